"""Reads of the report's templates and drafts: which template a jurisdiction uses, and which narrative a report prints.

A jurisdiction uses its own template, else its nearest ancestor's, else the shipped default (篇1's outline). A report
prints the narrative of the latest saved version of its period's draft, else its own plan's words. Before any draft,
the page offers last year's saved narrative of the same jurisdiction as the starting point.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from reporting.models import ReportDraft, ReportDraftVersion, ReportTemplate
from reporting.outline import default_outline


def default_template():
    """The shipped template (unsaved): automatic title, opening and signature, 篇1's outline."""
    return ReportTemplate(title="", opening="", outline=default_outline(), signature="")


def template_for(jurisdiction):
    """Return the template `jurisdiction` uses: its own, its nearest ancestor's, else the default (unsaved)."""
    ids = [int(segment) for segment in jurisdiction.path.strip("/").split("/") if segment]
    found = (
        ReportTemplate.objects.filter(jurisdiction_id__in=ids)
        .select_related("jurisdiction")
        .order_by("-jurisdiction__depth")
        .first()
    )
    return found or default_template()


def draft_of(jurisdiction, period):
    """Return the draft of `jurisdiction` for exactly `period`, or None."""
    return ReportDraft.objects.filter(
        jurisdiction=jurisdiction, period_start=period.start, period_end=period.end
    ).first()


def versions_of(draft):
    """Return the draft's versions, newest first, with who saved them."""
    if draft is None:
        return ReportDraftVersion.objects.none()
    return draft.versions.select_related("created_by").order_by("-number")


def latest_version(jurisdiction, period):
    """Return the newest saved version of the period's draft, or None."""
    return (
        ReportDraftVersion.objects.filter(
            draft__jurisdiction=jurisdiction, draft__period_start=period.start, draft__period_end=period.end
        )
        .select_related("draft")
        .order_by("-number")
        .first()
    )


def last_years_version(jurisdiction, period):
    """Return the newest version saved for the jurisdiction a year earlier: the same span, else any of that year."""
    earlier = period.previous_year()
    same_span = latest_version(jurisdiction, earlier)
    if same_span is not None:
        return same_span
    return (
        ReportDraftVersion.objects.filter(draft__jurisdiction=jurisdiction, draft__period_end__year=earlier.year)
        .select_related("draft")
        .order_by("-draft__period_end", "-created_at", "-number")
        .first()
    )


@dataclass
class StartingPoint:
    """The narrative a draft's page opens with, where it comes from and what the page says about it."""

    narrative: dict | None
    version: object = None  # the saved version it is (this period's or last year's)
    source: str = "plan"  # saved, last_year, plan

    @property
    def note(self):
        if self.source == "saved":
            return _("正在编辑第%(n)d版（%(who)s 保存于 %(when)s）。保存后成为新的一版。") % {
                "n": self.version.number,
                "who": self.version.author_name or "—",
                "when": self.version.created_at.strftime("%Y-%m-%d %H:%M"),
            }
        if self.source == "last_year":
            return _(
                "本期尚无草稿：以下叙述取自上一年度（%(period)s）已保存的第%(n)d版，作为本期的起点，请修改后保存。"
            ) % {"period": self.version.draft.period.label, "n": self.version.number}
        return _("本期尚无草稿：以下叙述取自创建工作方案（如有），请修改后保存。")


def starting_point(jurisdiction, period):
    """Return what a draft's page opens with: the latest version, else last year's, else the plan's words (None)."""
    version = latest_version(jurisdiction, period)
    if version is not None:
        return StartingPoint(version.narrative, version, "saved")
    version = last_years_version(jurisdiction, period)
    if version is not None:
        return StartingPoint(version.narrative, version, "last_year")
    return StartingPoint(None)
