"""Routes of the work report and the evidence ledger (included at the site root by unity/urls.py)."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("reports/<str:code>/work-report/", report_views.work_report_preview, name="work_report_preview"),
    path("reports/<str:code>/work-report.docx", report_views.work_report_docx, name="work_report_docx"),
    path("reports/plans/<int:plan_id>/ledger.zip", report_views.evidence_ledger, name="evidence_ledger"),
]
