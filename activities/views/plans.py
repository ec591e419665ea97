"""Pages of creation plans: list, detail, forms; indicators and their import; the responsibility breakdown;
evidence files."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from base import access, staging
from base.access import user_can
from base.exports import Column, Sheet, xlsx_response
from base.files import protected_file_response
from base.forms import save_valid
from base.listing import ScopedListView
from communities.choices import Action
from communities.models import AuditEntry

from ..filtersets import PlanFilterSet, ResponsibilityFilterSet
from ..forms.plans import (
    PLAN_INLINES,
    EvidenceForm,
    IndicatorForm,
    IndicatorImportForm,
    PlanForm,
    ResponsibilityForm,
)
from ..importers import template_rows
from ..models import CreationPlan, EvidenceFile, Indicator, Responsibility
from ..selectors.plans import plan_indicator_tree, plan_list, plan_progress, responsibility_rows
from ..services import plans as services

IMPORT_SESSION_KEY = "indicator_import"


def _plan(request, pk, action=Action.VIEW):
    return get_object_or_404(CreationPlan.objects.for_user(request.user, action).select_related("jurisdiction"), pk=pk)


def _history(obj):
    return AuditEntry.objects.for_object(obj).select_related("user")


class PlanListView(ScopedListView):
    model = CreationPlan
    template_name = "activities/plans/list.html"
    context_object_name = "plans"
    filterset_class = PlanFilterSet
    export_filename = "创建工作方案"
    export_columns = [
        Column(gettext_lazy("方案名称"), lambda p: p.title, 30),
        Column(gettext_lazy("辖区"), lambda p: p.jurisdiction.name, 16),
        Column(gettext_lazy("创建目标"), lambda p: p.target_title, 24),
        Column(gettext_lazy("目标级别"), lambda p: p.get_target_level_display()),
        Column(gettext_lazy("开始日期"), lambda p: p.start_date, 12),
        Column(gettext_lazy("结束日期"), lambda p: p.end_date, 12),
        Column(gettext_lazy("测评指标数"), lambda p: p.indicator_count),
        Column(gettext_lazy("责任分解条数"), lambda p: p.responsibility_count),
        Column(gettext_lazy("逾期事项"), lambda p: p.overdue_count),
        Column(gettext_lazy("预算合计（元）"), lambda p: float(p.budget_amount)),
        Column(gettext_lazy("已使用（元）"), lambda p: float(p.budget_spent)),
    ]

    def get_base_queryset(self):
        return plan_list(user=self.request.user)


@login_required
def plan_detail(request, pk):
    plan = _plan(request, pk)
    return render(
        request,
        "activities/plans/detail.html",
        {
            "plan": plan,
            "measures": plan.measures.all(),
            "leading_group": plan.leading_group.all(),
            "progress": plan_progress(plan=plan),
            "tree": plan_indicator_tree(plan=plan, user=request.user),
            "audit_entries": _history(plan),
            "can_change": user_can(request.user, Action.CHANGE, plan.jurisdiction),
            "show_names": access.may_see_responsible_persons(request.user, plan.jurisdiction),
        },
    )


def _plan_form(request, plan):
    bound = request.method == "POST"
    form = PlanForm(request.POST if bound else None, instance=plan, user=request.user)
    inlines = [
        (label, formset_class(request.POST if bound else None, instance=plan, prefix=prefix))
        for prefix, formset_class, label in PLAN_INLINES
    ]
    formsets = [formset for _label, formset in inlines]
    if (
        bound
        and form.is_valid()
        and all(formset.is_valid() for formset in formsets)
        and save_valid(form, lambda: services.plan_save(plan=form.instance, actor=request.user, inlines=formsets))
    ):
        messages.success(request, _("创建工作方案“%(title)s”已保存。") % {"title": plan.title})
        return redirect("activities:plan_detail", plan.pk)
    return render(request, "activities/plans/form.html", {"form": form, "inlines": inlines, "plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    access.ensure_may_anywhere(request.user, Action.CHANGE)
    return _plan_form(request, CreationPlan())


@login_required
@require_http_methods(["GET", "POST"])
def plan_update(request, pk):
    return _plan_form(request, _plan(request, pk, Action.CHANGE))


def _confirm_delete(request, *, obj, title, warning, cancel_url, delete, done_url, done_message):
    if request.method == "POST":
        try:
            delete()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(cancel_url)
        messages.success(request, done_message)
        return redirect(done_url)
    return render(
        request,
        "activities/plans/confirm_delete.html",
        {"object": obj, "title": title, "warning": warning, "cancel_url": cancel_url},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_delete(request, pk):
    plan = _plan(request, pk, Action.CHANGE)
    counts = {
        "indicators": plan.indicators.count(),
        "responsibilities": Responsibility.objects.filter(indicator__plan=plan).count(),
        "evidence": EvidenceFile.objects.filter(indicator__plan=plan).count(),
    }
    return _confirm_delete(
        request,
        obj=plan,
        title=_("删除创建工作方案“%(title)s”") % {"title": plan.title},
        warning=_(
            "将同时删除其%(indicators)s项测评指标、%(responsibilities)s条责任分解和%(evidence)s份佐证材料，"
            "关联的活动保留但不再关联本方案。删除后不能恢复。"
        )
        % counts,
        cancel_url=reverse("activities:plan_detail", args=[plan.pk]),
        delete=lambda: services.plan_delete(plan=plan, actor=request.user),
        done_url=reverse("activities:plan_list"),
        done_message=_("创建工作方案“%(title)s”已删除。") % {"title": plan.title},
    )


# Indicators


def _indicator(request, pk, action=Action.CHANGE):
    return get_object_or_404(
        Indicator.objects.for_user(request.user, action).select_related("plan__jurisdiction", "parent"), pk=pk
    )


def _indicator_form(request, plan, indicator):
    form = IndicatorForm(request.POST or None, instance=indicator, plan=plan)
    if request.method == "POST" and save_valid(
        form, lambda: services.indicator_save(indicator=form.instance, actor=request.user)
    ):
        messages.success(request, _("测评指标“%(title)s”已保存。") % {"title": indicator.title})
        return redirect(reverse("activities:plan_detail", args=[plan.pk]) + f"#indicator-{indicator.pk}")
    return render(
        request,
        "activities/plans/indicator_form.html",
        {
            "form": form,
            "plan": plan,
            "indicator": indicator,
            "audit_entries": _history(indicator) if indicator.pk else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request, pk):
    plan = _plan(request, pk, Action.CHANGE)
    parent = plan.indicators.filter(pk=request.GET.get("parent") or 0, parent__isnull=True).first()
    return _indicator_form(request, plan, Indicator(plan=plan, parent=parent))


@login_required
@require_http_methods(["GET", "POST"])
def indicator_update(request, pk):
    indicator = _indicator(request, pk)
    return _indicator_form(request, indicator.plan, indicator)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_delete(request, pk):
    indicator = _indicator(request, pk)
    plan = indicator.plan
    return _confirm_delete(
        request,
        obj=indicator,
        title=_("删除测评指标“%(code)s %(title)s”") % {"code": indicator.code, "title": indicator.title},
        warning=_("将同时删除其下级指标、责任分解和佐证材料。删除后不能恢复。"),
        cancel_url=reverse("activities:plan_detail", args=[plan.pk]),
        delete=lambda: services.indicator_delete(indicator=indicator, actor=request.user),
        done_url=reverse("activities:plan_detail", args=[plan.pk]),
        done_message=_("测评指标“%(title)s”已删除。") % {"title": indicator.title},
    )


@login_required
def indicator_template(request):
    title, headers, *examples = template_rows()
    return xlsx_response(
        filename="测评指标导入模板.xlsx",
        sheets=[
            Sheet(
                title=_("测评指标"),
                title_row=title[0],
                headers=headers,
                rows=examples,
                widths=(18, 28, 40, 8, 28, 24),
                wrap=True,
            )
        ],
    )


# The page's name for its imports in the audit trail and the administrators' reminder of a refused file.
INDICATOR_WHAT = gettext_lazy("测评指标导入")


def _indicator_reader(request, plan):
    def read(staged):
        return services.indicators_import(
            plan=plan, file=staged.path, filename=staged.filename, actor=request.user, dry_run=True
        )

    return read


@login_required
@require_http_methods(["GET", "POST"])
def indicator_import(request, pk):
    """Upload → preview → confirm, through the shared staging flow (base.staging)."""
    plan = _plan(request, pk, Action.CHANGE)
    detail_url = reverse("activities:plan_detail", args=[plan.pk])
    step = request.POST.get("step", "upload")
    if request.method == "POST" and step == "cancel":
        staging.forget(request, IMPORT_SESSION_KEY)
        messages.info(request, _("已取消导入。"))
        return redirect(detail_url)
    if request.method == "POST" and step == "confirm":
        result, _applied = staging.confirm_staged(
            request,
            IMPORT_SESSION_KEY,
            _indicator_reader(request, plan),
            lambda result: services.indicators_import_apply(plan=plan, result=result, actor=request.user),
            token=request.POST.get("token", ""),
            what=INDICATOR_WHAT,
            place=plan.jurisdiction,
            plan=plan.pk,
        )
        if result is None:
            messages.error(request, _("找不到待导入的文件（可能已导入或已过期），请重新上传。"))
            return redirect("activities:indicator_import", plan.pk)
        if result.is_valid:
            counts = result.counts
            messages.success(
                request,
                _("测评指标已导入：新增%(new)s项，更新%(changed)s项，未变%(unchanged)s项，新增责任分解%(resp)s条。")
                % {
                    "new": counts["new"],
                    "changed": counts["changed"],
                    "unchanged": counts["unchanged"],
                    "resp": counts["responsibilities"],
                },
            )
            return redirect(detail_url)
        return _import_page(request, plan, IndicatorImportForm(), result, staged=None)
    form = IndicatorImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result, staged = staging.preview_upload(
            request,
            IMPORT_SESSION_KEY,
            form.cleaned_data["file"],
            _indicator_reader(request, plan),
            worth_keeping=lambda result: result.is_valid,
            what=INDICATOR_WHAT,
            place=plan.jurisdiction,
            plan=plan.pk,
        )
        return _import_page(request, plan, form, result, staged=staged)
    return _import_page(request, plan, form, None, staged=None)


def _import_page(request, plan, form, result, *, staged):
    return render(
        request,
        "activities/plans/import.html",
        {"plan": plan, "form": form, "result": result, "staged": staged, "token": staged.token if staged else None},
    )


# Responsibilities


# The responsible person's column; left out of the page, the search and the export for readers from below.
NAME_COLUMN = Column(gettext_lazy("责任人"), lambda r: r.responsible_person)


class ResponsibilityListView(ScopedListView):
    model = Responsibility
    template_name = "activities/plans/responsibility_list.html"
    context_object_name = "responsibilities"
    paginate_by = 50
    filterset_class = ResponsibilityFilterSet
    export_columns = [
        Column(gettext_lazy("指标编号"), lambda r: r.indicator.code),
        Column(
            gettext_lazy("一级指标"),
            lambda r: r.indicator.parent.title if r.indicator.parent else r.indicator.title,
            30,
        ),
        Column(gettext_lazy("二级指标"), lambda r: r.indicator.title if r.indicator.parent else "", 30),
        Column(gettext_lazy("分值"), lambda r: float(r.indicator.points)),
        Column(gettext_lazy("牵头部门"), lambda r: r.lead_department, 16),
        Column(gettext_lazy("配合部门"), lambda r: r.cooperating_departments, 20),
        NAME_COLUMN,
        Column(gettext_lazy("完成时限"), lambda r: r.deadline, 12),
        Column(gettext_lazy("工作目标"), lambda r: r.target, 30),
        Column(gettext_lazy("进度（%）"), lambda r: r.progress),
        Column(gettext_lazy("状态"), lambda r: r.get_status_display()),
        Column(gettext_lazy("是否逾期"), lambda r: _("逾期") if r.is_overdue() else ""),
        Column(gettext_lazy("自评得分"), lambda r: float(r.self_score) if r.self_score is not None else None),
        Column(gettext_lazy("佐证材料（份）"), lambda r: r.evidence_count),
        Column(gettext_lazy("佐证活动（次）"), lambda r: r.activity_count),
        Column(gettext_lazy("进展说明"), lambda r: r.note, 30),
    ]

    def get_base_queryset(self):
        return responsibility_rows(user=self.request.user, plan=self.plan)

    def get_export_filename(self):
        return f"责任分解表-{self.plan.title}-{timezone.localdate():%Y%m%d}.xlsx"

    def get(self, request, *args, **kwargs):
        self.plan = _plan(request, kwargs["pk"])
        self.show_names = access.may_see_responsible_persons(request.user, self.plan.jurisdiction)
        if not self.show_names:
            self.export_columns = [c for c in self.export_columns if c is not NAME_COLUMN]
        return super().get(request, *args, **kwargs)

    def get_filterset(self):
        filterset = super().get_filterset()
        if not self.show_names:
            # Readers from below may not find a line by the person's name either.
            search = filterset.filters["q"]
            search.search_fields = tuple(f for f in search.search_fields if f != "responsible_person")
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        for line in context["responsibilities"]:
            line.overdue = line.is_overdue(today)
        context["plan"] = self.plan
        context["show_names"] = self.show_names
        context["can_change"] = user_can(self.request.user, Action.CHANGE, self.plan.jurisdiction)
        context["departments"] = (
            Responsibility.objects.filter(indicator__plan=self.plan)
            .order_by("lead_department")
            .values_list("lead_department", flat=True)
            .distinct()
        )
        return context


def _responsibility(request, pk, action=Action.CHANGE):
    return get_object_or_404(
        Responsibility.objects.for_user(request.user, action).select_related(
            "indicator__plan__jurisdiction", "indicator__parent"
        ),
        pk=pk,
    )


def _responsibility_form(request, plan, responsibility):
    form = ResponsibilityForm(request.POST or None, instance=responsibility, plan=plan)
    if request.method == "POST" and save_valid(
        form, lambda: services.responsibility_save(responsibility=form.instance, actor=request.user)
    ):
        messages.success(request, _("责任分解已保存。"))
        return redirect("activities:responsibility_list", plan.pk)
    indicator = responsibility.indicator if responsibility.indicator_id else None
    return render(
        request,
        "activities/plans/responsibility_form.html",
        {
            "form": form,
            "plan": plan,
            "responsibility": responsibility,
            "indicator": indicator,
            "evidence_files": indicator.evidence_files.select_related("responsibility", "uploaded_by")
            if indicator
            else [],
            "activities": indicator.activities.for_user(request.user).select_related("jurisdiction").order_by("-date")
            if indicator
            else [],
            "audit_entries": _history(responsibility) if responsibility.pk else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def responsibility_create(request, pk):
    plan = _plan(request, pk, Action.CHANGE)
    indicator = plan.indicators.filter(pk=request.GET.get("indicator") or 0).first()
    return _responsibility_form(request, plan, Responsibility(indicator=indicator) if indicator else Responsibility())


@login_required
@require_http_methods(["GET", "POST"])
def responsibility_update(request, pk):
    responsibility = _responsibility(request, pk)
    return _responsibility_form(request, responsibility.indicator.plan, responsibility)


@login_required
@require_http_methods(["GET", "POST"])
def responsibility_delete(request, pk):
    responsibility = _responsibility(request, pk)
    plan = responsibility.indicator.plan
    return _confirm_delete(
        request,
        obj=responsibility,
        title=_("删除责任分解：%(indicator)s %(department)s")
        % {"indicator": responsibility.indicator.code, "department": responsibility.lead_department},
        warning=_("该责任分解下的佐证材料保留在指标下。删除后不能恢复。"),
        cancel_url=reverse("activities:responsibility_update", args=[responsibility.pk]),
        delete=lambda: services.responsibility_delete(responsibility=responsibility, actor=request.user),
        done_url=reverse("activities:responsibility_list", args=[plan.pk]),
        done_message=_("责任分解已删除。"),
    )


# Evidence


@login_required
@require_http_methods(["GET", "POST"])
def evidence_upload(request, pk):
    indicator = _indicator(request, pk)
    plan = indicator.plan
    initial = {}
    preset = indicator.responsibilities.filter(pk=request.GET.get("responsibility") or 0).first()
    if preset:
        initial["responsibility"] = preset
    form = EvidenceForm(request.POST or None, request.FILES or None, indicator=indicator, initial=initial)

    def upload():
        return services.evidence_upload(
            indicator=indicator,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            responsibility=form.cleaned_data["responsibility"],
            actor=request.user,
        )

    if request.method == "POST" and save_valid(form, upload):
        messages.success(request, _("佐证材料已上传。"))
        back = form.cleaned_data["responsibility"]
        if back:
            return redirect("activities:responsibility_update", back.pk)
        return redirect(reverse("activities:plan_detail", args=[plan.pk]) + f"#indicator-{indicator.pk}")
    return render(
        request,
        "activities/plans/evidence_form.html",
        {"form": form, "plan": plan, "indicator": indicator},
    )


def _evidence(request, pk, action):
    return get_object_or_404(
        EvidenceFile.objects.for_user(request.user, action).select_related("indicator__plan__jurisdiction"), pk=pk
    )


@login_required
def evidence_download(request, pk):
    evidence = _evidence(request, pk, Action.VIEW)
    ext = Path(evidence.file.name).suffix if evidence.file else ""
    name = evidence.title if evidence.title.lower().endswith(ext.lower()) else f"{evidence.title}{ext}"
    return protected_file_response(evidence.file, as_attachment=True, filename=name)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_delete(request, pk):
    evidence = _evidence(request, pk, Action.CHANGE)
    plan = evidence.indicator.plan
    back = reverse("activities:plan_detail", args=[plan.pk]) + f"#indicator-{evidence.indicator_id}"
    if evidence.responsibility_id:
        back = reverse("activities:responsibility_update", args=[evidence.responsibility_id])
    return _confirm_delete(
        request,
        obj=evidence,
        title=_("删除佐证材料“%(title)s”") % {"title": evidence.title},
        warning=_("文件将被删除，不能恢复。"),
        cancel_url=back,
        delete=lambda: services.evidence_delete(evidence=evidence, actor=request.user),
        done_url=back,
        done_message=_("佐证材料“%(title)s”已删除。") % {"title": evidence.title},
    )
