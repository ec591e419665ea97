"""Pages of jurisdictions and their population."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from base import access
from base.exports import CHUNK_SIZE, Column, Sheet, column_rows, xlsx_response

from .choices import Action, AuditAction, PopulationKind
from .filtersets import MembershipFilterSet
from .forms import GrantForm
from .models import Jurisdiction, Membership
from .selectors import audit_trail, children_population, population_summary, recorded_years
from .services import membership_grant, membership_revoke, user_create

MEMBERSHIPS_PER_PAGE = 50
MEMBERSHIP_COLUMNS = [
    Column(gettext_lazy("用户"), lambda m: m.user.username, 16),
    Column(gettext_lazy("姓名"), lambda m: m.user.get_full_name()),
    Column(gettext_lazy("辖区"), lambda m: m.jurisdiction.name, 16),
    Column(gettext_lazy("区划代码"), lambda m: m.jurisdiction.code or "", 14),
    Column(gettext_lazy("角色"), lambda m: m.get_role_display()),
    Column(gettext_lazy("授予时间"), lambda m: m.created_at, 18),
]


def _year_from(request, years):
    raw = request.GET.get("year", "")
    if raw.isdigit() and 1949 <= int(raw) <= 2100:
        return int(raw)
    return years[0] if years else timezone.localdate().year


def _kind_from(request):
    kind = request.GET.get("kind", PopulationKind.RESIDENT)
    return kind if kind in PopulationKind.values else PopulationKind.RESIDENT


TREE_INDENT_LEVELS = 8


@login_required
def jurisdiction_tree(request):
    jurisdictions = list(Jurisdiction.objects.for_user(request.user).only("name", "code", "level", "path", "depth"))
    roots_depth = min((j.depth for j in jurisdictions), default=0)
    for j in jurisdictions:
        # A class per level (site.css), not a style attribute: the Content Security Policy allows no inline style.
        j.indent = min(j.depth - roots_depth, TREE_INDENT_LEVELS)
    return render(
        request,
        "communities/jurisdiction_tree.html",
        {"jurisdictions": jurisdictions, "roots_depth": roots_depth},
    )


def _render_detail(request, jurisdiction):
    years = recorded_years(jurisdiction=jurisdiction)
    year = _year_from(request, years)
    kind = _kind_from(request)
    summary = population_summary(jurisdiction=jurisdiction, year=year, kind=kind)
    return render(
        request,
        "communities/jurisdiction_detail.html",
        {
            "jurisdiction": jurisdiction,
            "ancestors": jurisdiction.ancestors().for_user(request.user),
            "summary": summary,
            # Students and teachers (篇2) beside the residents, each from the same selector, when recorded.
            "other_kinds": [
                population_summary(jurisdiction=jurisdiction, year=year, kind=other)
                for other in PopulationKind.values
                if other != kind
            ],
            "children": children_population(jurisdiction=jurisdiction, year=year, kind=kind),
            "years": years,
            "year": year,
            "kind": kind,
            "kinds": PopulationKind.choices,
        },
    )


@login_required
def jurisdiction_detail(request, code):
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    return _render_detail(request, jurisdiction)


@login_required
def jurisdiction_detail_by_id(request, pk):
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), pk=pk)
    if jurisdiction.code:
        raise Http404
    return _render_detail(request, jurisdiction)


def _require_manager(user):
    if not access.is_administrator(user):
        raise PermissionDenied(_("只有管理员可以管理用户和角色。"))


@login_required
@require_http_methods(["GET", "POST"])
def membership_list(request):
    """List the roles an administrator manages, and grant new ones."""
    _require_manager(request.user)
    form = GrantForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if data["create_user"]:
                    user_create(
                        username=data["username"],
                        password=data["password"],
                        full_name=data["full_name"],
                        actor=request.user,
                    )
                membership = membership_grant(
                    username=data["username"],
                    jurisdiction=data["jurisdiction"],
                    role=data["role"],
                    actor=request.user,
                )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                _("已授予 %(user)s 在 %(place)s 的角色：%(role)s")
                % {
                    "user": membership.user.username,
                    "place": membership.jurisdiction.name,
                    "role": membership.get_role_display(),
                },
            )
            return redirect("communities:membership_list")
    memberships = Membership.objects.for_user(request.user, Action.MANAGE).select_related("user", "jurisdiction")
    filterset = MembershipFilterSet(request.GET or None, queryset=memberships, request=request)
    filterset.form.auto_id = "filter_%s"  # the grant form on the same page has fields of the same names
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=f"用户与角色-{timezone.localdate():%Y%m%d}.xlsx",
            sheets=[
                Sheet(
                    title=_("用户与角色"),
                    headers=[column.header for column in MEMBERSHIP_COLUMNS],
                    rows=column_rows(filterset.qs.iterator(chunk_size=CHUNK_SIZE), MEMBERSHIP_COLUMNS),
                    widths=[column.column_width() for column in MEMBERSHIP_COLUMNS],
                )
            ],
        )
    page = Paginator(filterset.qs, MEMBERSHIPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/membership_list.html",
        {
            "form": form,
            "filter_form": filterset.form,
            "memberships": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_revoke_view(request, pk):
    _require_manager(request.user)
    membership = get_object_or_404(
        Membership.objects.for_user(request.user, Action.MANAGE).select_related("user", "jurisdiction"),
        pk=pk,
    )
    if request.method == "POST":
        membership_revoke(membership=membership, actor=request.user)
        messages.success(request, _("已撤销该角色。"))
        return redirect("communities:membership_list")
    return render(request, "communities/membership_revoke.html", {"membership": membership})


@login_required
def audit_list(request):
    """The audit trail of the user's subtree, for auditors and administrators: read only."""
    if not access.may_anywhere(request.user, Action.AUDIT):
        raise PermissionDenied(_("只有审计员和管理员可以查看操作记录。"))
    params = request.GET
    jurisdiction = None
    if params.get("jurisdiction"):
        jurisdiction = get_object_or_404(
            Jurisdiction.objects.for_user(request.user, Action.AUDIT), code=params["jurisdiction"]
        )
    action = params.get("action", "")
    entries = audit_trail(
        user=request.user,
        since=_date_param(params.get("since")),
        until=_date_param(params.get("until")),
        action=action if action in AuditAction.values else "",
        jurisdiction=jurisdiction,
        username=params.get("user", "").strip(),
    )
    page = Paginator(entries, 50).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "communities/audit_list.html",
        {
            "entries": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "querystring": query.urlencode(),
            "actions": AuditAction.choices,
            "jurisdictions": Jurisdiction.objects.for_user(request.user, Action.AUDIT).only("name", "code", "depth"),
        },
    )


def _date_param(raw):
    try:
        return parse_date(raw or "")
    except ValueError:
        return None
