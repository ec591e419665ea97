"""Pages of the monthly returns: the overview, the month's grid and its review steps, the figures, 本月."""

import json
import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from base import access
from base.access import user_can
from base.exports import xlsx_response
from base.periods import first_of_month, month_label, next_month, previous_month
from communities.choices import Action
from communities.models import AuditEntry, Jurisdiction

from ..choices import ReturnStatus
from ..forms.monthly import MonthlyFigureForm, MonthlyGridForm, ReasonForm
from ..models import MonthlyFigure, MonthlyReturn
from ..selectors.monthly import (
    MISSING,
    approval_queue,
    filing_month,
    month_has_ended,
    monthly_overview,
    return_due_on,
    return_values,
    this_month_overview,
    top_jurisdictions,
    yearly_values,
)
from ..selectors.monthly import monthly_grid as grid_selector
from ..selectors.validation import active_rules, return_violations, violations
from ..services import monthly as services

_MONTH_PARAM = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def jurisdiction_key(jurisdiction):
    """Return how a jurisdiction appears in a monthly URL: its division code, or "id<pk>" for a unit without one."""
    return jurisdiction.code or f"id{jurisdiction.pk}"


def _jurisdiction_from_key(user, key):
    visible = Jurisdiction.objects.for_user(user, Action.VIEW)
    if key.startswith("id") and key[2:].isdigit():
        return get_object_or_404(visible, pk=int(key[2:]), code__isnull=True)
    return get_object_or_404(visible, code=key)


def month_param(request, name="month"):
    """Return the first day of `?month=YYYY-MM`, or the month being filed when absent or malformed."""
    match = _MONTH_PARAM.match(request.GET.get(name, "").strip())
    if match:
        return date(int(match.group(1)), int(match.group(2)), 1)
    return filing_month().month


def _reverse_or_none(name, query=""):
    try:
        return reverse(name) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return None


def _edit_url(jurisdiction, month):
    return reverse("activities:monthly_edit", args=[jurisdiction_key(jurisdiction), month])


@login_required
def monthly_list(request):
    month = month_param(request)
    code = request.GET.get("jurisdiction", "").strip()
    if code:
        parents = [get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)]
    else:
        parents = top_jurisdictions(user=request.user)
    today = timezone.localdate()
    sections = monthly_overview(parents=parents, month=month, today=today)
    if request.GET.get("format") == "xlsx":
        return _overview_export(sections, month)
    for section in sections:
        section.grid_url = reverse("activities:monthly_grid", args=[jurisdiction_key(section.parent), month])
        for row in section.rows:
            row.url = _edit_url(row.jurisdiction, month)
    queue = list(approval_queue(user=request.user))
    for r in queue:
        r.url = _edit_url(r.jurisdiction, r.month)
    return render(
        request,
        "activities/monthly/list.html",
        {
            "month": month,
            "previous_month": previous_month(month),
            "next_month": next_month(month),
            "due_on": return_due_on(month),
            "month_ended": month_has_ended(month, today),
            "filing": filing_month(today),
            "sections": sections,
            "queue": queue,
            "selected_code": code,
            "can_manage_figures": access.is_administrator(request.user),
        },
    )


def _overview_export(sections, month):
    headers = [_("上级辖区"), _("辖区"), _("区划代码"), _("月份"), _("状态"), _("已填指标数"), _("逾期")]
    headers += [_("上报人"), _("上报时间"), _("审核人"), _("审核时间"), _("退回理由")]
    rows = []
    for section in sections:
        for row in section.rows:
            r = row.monthly_return
            rows.append(
                [
                    row.jurisdiction.parent.name if row.jurisdiction.parent else "",
                    row.jurisdiction.name,
                    row.jurisdiction.code or "",
                    f"{month:%Y-%m}",
                    str(row.status_label),
                    row.values_filled,
                    _("是") if row.is_late else "",
                    str(r.submitted_by or "") if r else "",
                    timezone.localtime(r.submitted_at) if r and r.submitted_at else None,
                    str(r.reviewed_by or "") if r else "",
                    timezone.localtime(r.reviewed_at) if r and r.reviewed_at else None,
                    r.return_reason if r else "",
                ]
            )
    return xlsx_response(
        filename=f"月报填报情况-{month:%Y%m}.xlsx",
        sheet_title=_("月报填报情况"),
        headers=[str(h) for h in headers],
        rows=rows,
    )


def _load_return(request, key, month):
    """Return (jurisdiction, return or None); 404 when the jurisdiction is outside the user's view."""
    jurisdiction = _jurisdiction_from_key(request.user, key)
    monthly_return = (
        MonthlyReturn.objects.select_related("jurisdiction__parent", "submitted_by", "reviewed_by")
        .filter(jurisdiction=jurisdiction, month=month)
        .first()
    )
    return jurisdiction, monthly_return


@login_required
@require_http_methods(["GET", "POST"])
def monthly_edit(request, key, month):
    jurisdiction, monthly_return = _load_return(request, key, month)
    can_change = user_can(request.user, Action.CHANGE, jurisdiction)
    status = monthly_return.status if monthly_return else ReturnStatus.DRAFT
    today = timezone.localdate()
    is_future = month > first_of_month(today)
    ended = month_has_ended(month, today)
    editable = can_change and status in services.EDITABLE_STATUSES and not is_future
    values = return_values(monthly_return=monthly_return, jurisdiction=jurisdiction)
    violations = return_violations(monthly_return) if monthly_return else []
    warnings = [v for v in violations if not v.is_error]
    form = None
    if editable:
        figures = [figure for figure, _value in values]
        initial = {figure.pk: value for figure, value in values}
        if request.method == "POST":
            form = MonthlyGridForm(request.POST, figures=figures, initial_values=initial, warnings=warnings)
            if form.is_valid():
                try:
                    services.monthly_save(
                        jurisdiction=jurisdiction,
                        month=month,
                        values=form.values(),
                        explanations=form.explanations(),
                        actor=request.user,
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error(None, message)
                else:
                    messages.success(request, _("%(month)s的月报数据已保存。") % {"month": month_label(month)})
                    if request.POST.get("then") == "submit":
                        return redirect("activities:monthly_submit", key, month)
                    return redirect(request.path)
        else:
            form = MonthlyGridForm(figures=figures, initial_values=initial, warnings=warnings)
    elif request.method == "POST":
        messages.error(
            request,
            _("%(month)s的月报当前不能修改。") % {"month": month_label(month)},
        )
        return redirect(request.path)
    can_review = monthly_return is not None and services.can_review(request.user, monthly_return)
    return render(
        request,
        "activities/monthly/edit.html",
        {
            "jurisdiction": jurisdiction,
            "key": key,
            "month": month,
            "previous_month": previous_month(month),
            "next_month": next_month(month),
            "is_future": is_future,
            "month_ended": ended,
            "due_on": return_due_on(month),
            "is_late": ended and today > return_due_on(month) and status in services.SUBMITTABLE_STATUSES,
            "monthly_return": monthly_return,
            "status_label": monthly_return.get_status_display() if monthly_return else _("未填报"),
            "form": form,
            "values": values,
            "violations": violations,
            "can_submit": can_change
            and ended
            and monthly_return is not None
            and status in services.SUBMITTABLE_STATUSES,
            "can_approve": can_review
            and ended
            and status == ReturnStatus.SUBMITTED
            and monthly_return.submitted_by_id != request.user.pk,
            "own_submission": monthly_return is not None
            and status == ReturnStatus.SUBMITTED
            and monthly_return.submitted_by_id == request.user.pk,
            "can_reopen": can_review and status == ReturnStatus.APPROVED,
            "audit_entries": AuditEntry.objects.for_object(monthly_return).select_related("user")
            if monthly_return
            else [],
        },
    )


def _step_view(request, key, month, *, step, question, button, done, danger=False):
    """Show the confirmation of a step of `services.TRANSITIONS` on GET; take it on POST."""
    transition = services.TRANSITIONS[step]
    jurisdiction, monthly_return = _load_return(request, key, month)
    edit_url = reverse("activities:monthly_edit", args=[key, month])
    if monthly_return is None:
        messages.error(request, _("%(month)s还没有月报，请先填报数据。") % {"month": month_label(month)})
        return redirect(edit_url)
    if transition.review and not services.can_review(request.user, monthly_return):
        raise PermissionDenied(_("只有上级辖区的领导可以审核本月报，本级人员不能审核本级月报。"))
    if not transition.review and not user_can(request.user, Action.CHANGE, jurisdiction):
        raise PermissionDenied(_("您无权上报该辖区的月报。"))
    if request.method == "GET" and monthly_return.status not in transition.sources:
        messages.warning(
            request,
            _("%(month)s的月报当前为“%(status)s”，不能%(title)s月报。")
            % {
                "month": month_label(month),
                "status": monthly_return.get_status_display(),
                "title": transition.title,
            },
        )
        return redirect(edit_url)
    form = ReasonForm(request.POST or None) if transition.reason_field else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            services.monthly_transition(
                monthly_return=monthly_return,
                step=step,
                actor=request.user,
                reason=form.cleaned_data["reason"] if form is not None else None,
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            messages.success(request, done % {"name": jurisdiction.name, "month": month_label(month)})
        return redirect(edit_url)
    return render(
        request,
        "activities/monthly/confirm.html",
        {
            "jurisdiction": jurisdiction,
            "month": month,
            "monthly_return": monthly_return,
            "form": form,
            "title": _("%(title)s月报") % {"title": transition.title},
            "question": question % {"name": jurisdiction.name, "month": month_label(month)},
            "button": button,
            "danger": danger,
            "edit_url": edit_url,
            "values": return_values(monthly_return=monthly_return, jurisdiction=jurisdiction),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def monthly_submit(request, key, month):
    return _step_view(
        request,
        key,
        month,
        step="submit",
        question=_("确认上报%(name)s%(month)s的月报？上报后需上级领导审核，审核前不能再修改。"),
        button=_("确认上报"),
        done=_("%(name)s%(month)s的月报已上报，等待上级审核。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def monthly_approve(request, key, month):
    return _step_view(
        request,
        key,
        month,
        step="approve",
        question=_("确认审核通过%(name)s%(month)s的月报？通过后该月的月报、活动和信访记录将锁定，不能再修改。"),
        button=_("审核通过"),
        done=_("%(name)s%(month)s的月报已审核通过，该月记录已锁定。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def monthly_return(request, key, month):
    return _step_view(
        request,
        key,
        month,
        step="send_back",
        question=_("将%(name)s%(month)s的月报退回修改。请写明退回理由，填报人会看到。"),
        button=_("退回"),
        danger=True,
        done=_("%(name)s%(month)s的月报已退回。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def monthly_reopen(request, key, month):
    return _step_view(
        request,
        key,
        month,
        step="reopen",
        question=_("重新开放%(name)s%(month)s的月报？开放后该月的月报、活动和信访记录可再修改，需重新上报和审核。"),
        button=_("重新开放"),
        danger=True,
        done=_("%(name)s%(month)s的月报已重新开放，可以修改。"),
    )


@login_required
def this_month(request):
    today = timezone.localdate()
    filing, entries = this_month_overview(user=request.user, today=today)
    month = filing.month
    month_query = f"month={month:%Y-%m}"
    for entry in entries:
        entry.edit_url = _edit_url(entry.jurisdiction, month)
        entry.overview_url = (
            reverse("activities:monthly_list")
            + f"?{month_query}"
            + (f"&jurisdiction={entry.jurisdiction.code}" if entry.jurisdiction.code else "")
        )
        entry.grid_url = reverse("activities:monthly_grid", args=[jurisdiction_key(entry.jurisdiction), month])
        for row in entry.units:
            row.url = _edit_url(row.jurisdiction, month)
        scope = f"&jurisdiction={entry.jurisdiction.code}" if entry.jurisdiction.code else ""
        entry.activity_url = _reverse_or_none("activities:activity_list", month_query + scope)
        entry.petition_url = _reverse_or_none("activities:petition_list", month_query + scope)
        entry.activity_create_url = _reverse_or_none("activities:activity_create")
        entry.petition_create_url = _reverse_or_none("activities:petition_create")
    return render(
        request,
        "activities/monthly/this_month.html",
        {
            "entries": entries,
            "month": month,
            "filing": filing,
            "running_month": first_of_month(today),
            "running_url": _edit_url(entries[0].jurisdiction, first_of_month(today)) if entries else None,
            "today": today,
        },
    )


def _ensure_figure_manager(user):
    if not access.is_administrator(user):
        raise PermissionDenied(_("只有管理员可以设置月报指标。"))


@login_required
def figure_list(request):
    _ensure_figure_manager(request.user)
    return render(request, "activities/monthly/figure_list.html", {"figures": MonthlyFigure.objects.all()})


@login_required
@require_http_methods(["GET", "POST"])
def figure_create(request):
    return _figure_form(request, MonthlyFigure())


@login_required
@require_http_methods(["GET", "POST"])
def figure_update(request, pk):
    return _figure_form(request, get_object_or_404(MonthlyFigure, pk=pk))


def _figure_form(request, figure):
    _ensure_figure_manager(request.user)
    form = MonthlyFigureForm(request.POST or None, instance=figure)
    if request.method == "POST" and form.is_valid():
        try:
            services.figure_save(figure=form.instance, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("月报指标“%(name)s”已保存。") % {"name": figure.name})
            return redirect("activities:figure_list")
    return render(
        request,
        "activities/monthly/figure_form.html",
        {
            "form": form,
            "figure": figure,
            "audit_entries": AuditEntry.objects.for_object(figure).select_related("user") if figure.pk else None,
        },
    )


_YEAR_PARAM = re.compile(r"^\d{4}$")


@login_required
def validation_report(request):
    """List every violated rule in a jurisdiction's subtree for a month (?month=) or a year (?year=)."""
    code = request.GET.get("jurisdiction", "").strip()
    if code:
        jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    else:
        tops = top_jurisdictions(user=request.user)
        if not tops:
            raise PermissionDenied(_("您还没有任何辖区的权限，请联系管理员。"))
        jurisdiction = tops[0]
    month_text, year_text = request.GET.get("month", "").strip(), request.GET.get("year", "").strip()
    if _MONTH_PARAM.match(month_text):
        start = end = month_param(request)
        label = month_label(start)
    else:
        year = int(year_text) if _YEAR_PARAM.match(year_text) else filing_month().month.year
        start, end = date(year, 1, 1), date(year, 12, 1)
        label = _("%(y)d年") % {"y": year}
    found = violations(jurisdiction=jurisdiction, start_month=start, end_month=end)
    for v in found:
        v.url = _edit_url(v.jurisdiction, v.month) if v.monthly_return else None
    return render(
        request,
        "activities/monthly/validation_report.html",
        {
            "jurisdiction": jurisdiction,
            "violations": found,
            "label": label,
            "month_value": f"{start:%Y-%m}" if start == end else "",
            "year_value": start.year,
            "errors": sum(v.is_error for v in found),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def yearly_edit(request, key, year):
    """Enter a jurisdiction's yearly figures (standing facts) once for `year`."""
    jurisdiction = _jurisdiction_from_key(request.user, key)
    values = yearly_values(jurisdiction=jurisdiction, year=year)
    editable = user_can(request.user, Action.CHANGE, jurisdiction) and year <= timezone.localdate().year
    form = None
    if editable and values:
        figures = [figure for figure, _value in values]
        initial = {figure.pk: value for figure, value in values}
        form = MonthlyGridForm(request.POST or None, figures=figures, initial_values=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.yearly_save(jurisdiction=jurisdiction, year=year, values=form.values(), actor=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("%(year)d年度指标已保存。") % {"year": year})
                return redirect(request.path)
    elif request.method == "POST":
        raise PermissionDenied(_("您无权填报该辖区的年度指标。"))
    return render(
        request,
        "activities/monthly/yearly_edit.html",
        {"jurisdiction": jurisdiction, "key": key, "year": year, "form": form, "values": values},
    )


def _rules_for_script(rules):
    """The active rules as the grid's script reads them (static/js/monthly_grid.js): figure pks and constants."""
    return [
        {
            "id": rule.pk,
            "text": rule.text,
            "op": rule.operator,
            "left": [f.pk for f in rule.left_figures.all()],
            "lc": float(rule.left_constant),
            "right": [f.pk for f in rule.right_figures.all()],
            "rc": float(rule.right_constant),
            "error": rule.is_error,
        }
        for rule in rules
    ]


@login_required
@require_http_methods(["GET", "POST"])
def monthly_grid(request, key, month):
    """Enter one month for every filing unit below a jurisdiction (a street's communities) in one grid.

    Each unit's row is saved by `services.monthly_save`, as on its own return page, with the same locks: a
    submitted or approved return's row is read-only, and one unit's refusal does not stop the others.
    """
    jurisdiction = _jurisdiction_from_key(request.user, key)
    today = timezone.localdate()
    if month > first_of_month(today):
        messages.warning(request, _("该月份还没有到，不能提前填报。"))
        return redirect("activities:monthly_list")
    figures, rows = grid_selector(jurisdiction=jurisdiction, month=month, today=today)
    for row in rows:
        unit = row.status.jurisdiction
        row.editable = row.status.status in (MISSING, *services.EDITABLE_STATUSES) and user_can(
            request.user, Action.CHANGE, unit
        )
        row.cells = [
            {"figure": f, "name": f"v_{unit.pk}_{f.pk}", "value": row.values.get(f.pk), "applies": f.applies_to(unit)}
            for f in figures
        ]
        row.url = _edit_url(unit, month)
        row.submit_url = reverse("activities:monthly_submit", args=[jurisdiction_key(unit), month])
    if request.method == "POST":
        saved, errors = 0, []
        for row in rows:
            if not row.editable:
                continue
            values, bad = {}, []
            for cell in row.cells:
                raw = request.POST.get(cell["name"], "").strip()
                if not cell["applies"] or (raw == "" and cell["value"] is None):
                    continue
                try:
                    values[cell["figure"]] = services.clean_value(cell["figure"], raw)
                except ValidationError as exc:
                    bad.extend(exc.messages)
            unit = row.status.jurisdiction
            if bad:
                errors += [f"{unit.name}：{message}" for message in bad]
                continue
            if not any(values.get(c["figure"]) != c["value"] for c in row.cells if c["figure"] in values):
                continue
            try:
                services.monthly_save(jurisdiction=unit, month=month, values=values, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                errors += [f"{unit.name}：{message}" for message in getattr(exc, "messages", [str(exc)])]
            else:
                saved += 1
        for message in errors:
            messages.error(request, message)
        if saved:
            messages.success(request, _("已保存%(n)d个单位的月报数据。") % {"n": saved})
        return redirect(request.path)
    totals = [
        sum(row.values.get(f.pk) or 0 for row in rows) if any(f.pk in row.values for row in rows) else None
        for f in figures
    ]
    return render(
        request,
        "activities/monthly/grid.html",
        {
            "jurisdiction": jurisdiction,
            "key": key,
            "month": month,
            "month_ended": month_has_ended(month, today),
            "due_on": return_due_on(month),
            "figures": figures,
            "rows": rows,
            "totals": totals,
            "rules_json": json.dumps(_rules_for_script(active_rules()), ensure_ascii=False),
            "any_editable": any(row.editable for row in rows),
        },
    )
