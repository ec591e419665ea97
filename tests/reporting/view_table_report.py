"""View table rows for the work report and the evidence ledger (see tests/scoping.py)."""

from datetime import date

from tests.scoping import ScopedView


def _plan(jurisdiction):
    from activities.models import CreationPlan

    return CreationPlan.objects.create(
        jurisdiction=jurisdiction,
        title=f"{jurisdiction.name}创建方案",
        target_title="民族团结进步示范社区",
        target_level="district",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
    ).pk


VIEWS = [
    ScopedView(
        "work_report_preview",
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [w.sibling.code],
    ),
    ScopedView(
        "work_report_docx",
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [w.sibling.code],
    ),
    ScopedView(
        "evidence_ledger",
        action="change",
        make=lambda w: [_plan(w.community)],
        make_foreign=lambda w: [_plan(w.sibling)],
    ),
]
