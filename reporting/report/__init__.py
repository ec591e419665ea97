"""The work report (工作情况汇报) and the evidence ledger (台账), generated from the records.

`content` turns one Dashboard into the report's text, `docx` draws that text as a GB/T 9704 Word document,
`ledger` packs a plan's evidence into a zip, and `numbers` writes figures the way the seed reports do.
"""

from reporting.selectors import jurisdiction_dashboard

from .content import ReportContent, build_report


def work_report(*, jurisdiction, period, today=None):
    """Return the ReportContent of `jurisdiction` over `period`, from the dashboard's one set of figures."""
    return build_report(jurisdiction_dashboard(jurisdiction=jurisdiction, period=period, today=today))


__all__ = ["ReportContent", "build_report", "work_report"]
