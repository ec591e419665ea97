"""View table rows for the report's drafts, their versions and the report template (see tests/scoping.py)."""

from tests.scoping import ScopedView

DRAFT = {"overview": "本社区概述", "highlights": ["第一条亮点", "第二条亮点"], "base_number": "0"}
TEMPLATE = {"title": "{辖区}工作汇报", "opening": "", "outline": "基本情况\n存在问题", "signature": ""}


def _version(jurisdiction):
    from base.periods import year_period
    from reporting.models import ReportDraft, ReportDraftVersion
    from reporting.outline import empty_narrative

    period = year_period(2026)
    draft = ReportDraft.objects.create(
        jurisdiction=jurisdiction, period_start=period.start, period_end=period.end, period_kind=period.kind
    )
    narrative = empty_narrative() | {"highlights": [f"{jurisdiction.name}亮点"]}
    return ReportDraftVersion.objects.create(draft=draft, number=1, narrative=narrative, author_name="someone").pk


def _other_district(world):
    return world.other_district


VIEWS = [
    # Saving a draft is a write: staff of the community may, the sibling's draft answers 404, an auditor is refused.
    ScopedView(
        "work_report_preview",
        action="change",
        method="post",
        data=DRAFT,
        ok_status=(302,),
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [w.sibling.code],
    ),
    ScopedView(
        "report_draft_version",
        make=lambda w: [_version(w.community)],
        make_foreign=lambda w: [_version(w.sibling)],
        own_text="甲社区亮点",
    ),
    ScopedView(
        "report_draft_version_docx",
        make=lambda w: [_version(w.community)],
        make_foreign=lambda w: [_version(w.sibling)],
    ),
    # The template is kept by the jurisdiction's administrators; staff and leaders below are refused.
    ScopedView(
        "report_template_edit",
        user="admin",
        action="manage",
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [_other_district(w).code],
    ),
    ScopedView(
        "report_template_edit",
        user="admin",
        action="manage",
        method="post",
        data=TEMPLATE,
        ok_status=(302,),
        make=lambda w: [w.street.code],
        make_foreign=lambda w: [_other_district(w).code],
    ),
]
