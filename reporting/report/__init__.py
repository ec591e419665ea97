"""The work report (工作情况汇报) and the evidence ledger (台账), generated from the records.

`content` turns one Dashboard into the report's text, `docx` draws that text as a GB/T 9704 Word document,
`ledger` packs a plan's evidence into a zip, `numbers` writes figures the way the seed reports do, and `drafts`
finds the template and the saved narrative a report uses.
"""

from reporting.selectors import jurisdiction_dashboard

from .content import ReportContent, build_report
from .drafts import latest_version, template_for


def work_report(*, jurisdiction, period, today=None, version=None, narrative=None, editing=False):
    """Return the ReportContent of `jurisdiction` over `period`, from the dashboard's one set of figures.

    The jurisdiction's template frames it; the narrative is `narrative`, else `version`'s, else the latest saved
    version's of the period's draft, else the own plan's words.
    """
    if narrative is None:
        version = version or latest_version(jurisdiction, period)
        narrative = version.narrative if version is not None else None
    return build_report(
        jurisdiction_dashboard(jurisdiction=jurisdiction, period=period, today=today),
        template=template_for(jurisdiction),
        narrative=narrative,
        editing=editing,
    )


__all__ = ["ReportContent", "build_report", "work_report"]
