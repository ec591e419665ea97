"""Routes of the dashboards, the JSON summary, the work report and the evidence ledger (included at the site root)."""

from django.urls import path

from . import draft_views, screen_views, views
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
    path("reports/<str:code>/work-report/", draft_views.work_report_preview, name="work_report_preview"),
    path("reports/<str:code>/work-report.docx", views.work_report_docx, name="work_report_docx"),
    path("reports/<str:code>/report-template/", draft_views.report_template_edit, name="report_template_edit"),
    path("reports/drafts/versions/<int:pk>/", draft_views.report_draft_version, name="report_draft_version"),
    path(
        "reports/drafts/versions/<int:pk>.docx", draft_views.report_draft_version_docx, name="report_draft_version_docx"
    ),
    path("reports/plans/<int:plan_id>/ledger.zip", views.evidence_ledger, name="evidence_ledger"),
    # The big screen (数据大屏) and the display links that open it without a login (reporting/screen_views.py).
    path("screen/<str:code>/", screen_views.screen, name="screen"),
    path("screen/<str:code>/links/", screen_views.display_links, name="display_links"),
    path("screen/<str:code>/boundaries/", screen_views.boundaries, name="boundaries_upload"),
    path(
        "screen/<str:code>/links/<int:pk>/revoke/",
        screen_views.display_link_revoke_view,
        name="display_link_revoke",
    ),
    path("display/<str:token>/", screen_views.display_screen, name="display_screen"),
    path("display/<str:token>/data/", screen_views.display_data, name="display_data"),
]
