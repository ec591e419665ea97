"""The dashboard's charts, built from the dashboard's own figures (never queried again)."""

from django.utils.translation import gettext as _

from .charts import column_chart, hbar_chart


def dashboard_charts(board):
    minorities = [g for g in board.population.groups if g.ethnic_group.is_minority][:12]
    return {
        "groups": hbar_chart(
            [(g.ethnic_group.name, g.count) for g in minorities], title=_("少数民族人口（按人数）"), unit=_("人")
        ),
        "activities_by_month": column_chart(
            [(f"{m.month:%y.%m}", m.count) for m in board.activities_by_month], title=_("各月活动场次")
        ),
        "participants_by_month": column_chart(
            [(f"{m.month:%y.%m}", m.participants) for m in board.activities_by_month], title=_("各月参与人次")
        ),
        "activities_by_category": hbar_chart(
            [(c.name, c.count) for c in sorted(board.activities_by_category, key=lambda c: -c.count)],
            title=_("各类别活动场次"),
            unit=_("场"),
        ),
        "petitions_by_channel": hbar_chart(
            [(c["label"], c["count"]) for c in board.petitions["by_channel"]], title=_("信访来源渠道"), unit=_("件")
        ),
    }
