"""Routes of the dashboards, the JSON summary, the work report and the evidence ledger (included at the site root)."""

from django.urls import path

from . import views
from . import views_children as children

urlpatterns = [
    path("dashboard/", views.dashboard_home, name="dashboard"),
    path("dashboard/<str:code>/", views.dashboard, name="dashboard_jurisdiction"),
    path("api/v1/jurisdictions/<str:code>/summary/", views.api_summary, name="api_summary"),
    # The whole children lists behind the dashboard's first rows (reporting.children).
    *[
        route
        for kind in ("returns", "ranking")
        for route in (
            path(f"dashboard/<str:code>/{kind}/", children.children_page, {"kind": kind}, name=f"dashboard_{kind}"),
            path(
                f"dashboard/<str:code>/{kind}.xlsx",
                children.children_export,
                {"kind": kind},
                name=f"dashboard_{kind}_export",
            ),
            path(
                f"api/v1/jurisdictions/<str:code>/{kind}/", children.children_json, {"kind": kind}, name=f"api_{kind}"
            ),
        )
    ],
    path("reports/<str:code>/work-report/", views.work_report_preview, name="work_report_preview"),
    path("reports/<str:code>/work-report.docx", views.work_report_docx, name="work_report_docx"),
    path("reports/plans/<int:plan_id>/ledger.zip", views.evidence_ledger, name="evidence_ledger"),
]
