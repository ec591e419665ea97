"""The whole children lists behind the dashboard's first rows: a page, a JSON endpoint and an export each."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from base.exports import ExportTooLarge, ensure_exportable, xlsx_response
from base.periods import PeriodError, period_from_params
from communities.models import Jurisdiction

from .children import PAGE_SIZE, ranking_of_children, returns_by_unit


def _return_json(row):
    submitted = row.monthly_return.submitted_at if row.monthly_return else None
    return {
        "code": row.jurisdiction.code,
        "name": row.jurisdiction.name,
        "status": row.status,
        "late": row.is_late,
        "submitted_at": submitted.isoformat() if submitted else None,
    }


def _return_cells(row):
    submitted = row.monthly_return.submitted_at if row.monthly_return else None
    local = timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else ""
    return [row.jurisdiction.code, row.jurisdiction.name, str(row.status_label), _("是") if row.is_late else "", local]


def _ranking_cells(row):
    d = row.as_dict()
    return [d["code"], d["name"], d["population"], d["minority_share"], d["activities"], d["participants"]] + [
        d["petitions_received"],
        d["closure_rate"],
        d["petitions_overdue"],
    ]


KINDS = {
    "returns": {
        "title": lambda: _("月报上报情况"),
        "headers": lambda: [_("区划代码"), _("辖区"), _("状态"), _("逾期"), _("上报时间")],
        "json": _return_json,
        "cells": _return_cells,
    },
    "ranking": {
        "title": lambda: _("下级辖区对比"),
        "headers": lambda: [
            _("区划代码"),
            _("辖区"),
            _("常住人口"),
            _("少数民族占比"),
            _("活动场次"),
            _("参与人次"),
            _("信访件数"),
            _("办结率"),
            _("超期"),
        ],
        "json": lambda row: row.as_dict(),
        "cells": _ranking_cells,
    },
}


def _rows(kind, jurisdiction, period):
    if kind == "returns":
        filing, rows = returns_by_unit(jurisdiction=jurisdiction, period=period)
        return rows, filing.month
    return ranking_of_children(jurisdiction=jurisdiction, period=period), None


@login_required
def children_page(request, code, kind):
    """Show one page of the whole list (50 rows), with the export of all of it."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    try:
        period = period_from_params(request.GET)
    except PeriodError as exc:
        messages.error(request, str(exc))
        period = period_from_params({})
    rows, month = _rows(kind, jurisdiction, period)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        f"reporting/children_{kind}.html",
        {
            "jurisdiction": jurisdiction,
            "period": period,
            "period_query": urlencode(period.as_query()),
            "page": page,
            "month": month,
            "title": KINDS[kind]["title"](),
        },
    )


def children_json(request, code, kind):
    """Return one page of the whole list as JSON: count, page, pages, results; 404 alike outside the subtree."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("请先登录。")}, status=401)
    jurisdiction = Jurisdiction.objects.for_user(request.user).filter(code=code).first()
    if jurisdiction is None:
        return JsonResponse({"error": _("找不到该辖区。")}, status=404)
    try:
        period = period_from_params(request.GET)
    except PeriodError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    rows, month = _rows(kind, jurisdiction, period)
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    data = {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [KINDS[kind]["json"](row) for row in page.object_list],
    }
    if month is not None:
        data["month"] = f"{month:%Y-%m}"
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
def children_export(request, code, kind):
    """Download the whole list as an Excel file."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    try:
        period = period_from_params(request.GET)
    except PeriodError:
        period = period_from_params({})
    rows, _month = _rows(kind, jurisdiction, period)
    try:
        ensure_exportable(len(rows))
    except ExportTooLarge as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse(f'dashboard_{kind}', args=[jurisdiction.code])}?{urlencode(period.as_query())}")
    spec = KINDS[kind]
    return xlsx_response(
        filename=f"{kind}-{jurisdiction.code}.xlsx",
        sheet_title=spec["title"](),
        headers=spec["headers"](),
        rows=(spec["cells"](row) for row in rows),
    )
