"""View table rows for the monthly pages (see tests/scoping.py)."""

from datetime import date

from activities.choices import ReturnStatus
from activities.models import MonthlyFigure
from tests.activities.factories_plans import make_return
from tests.scoping import ScopedView

MONTH = date(2024, 3, 1)
_SITE_WIDE_FIGURES = "figures are global definitions, not rows of a jurisdiction: nothing is foreign"


def _return(jurisdiction, status):
    figures = dict.fromkeys(MonthlyFigure.objects.filter(is_active=True), 1)
    make_return(jurisdiction, MONTH, status=status, values=figures)
    key = jurisdiction.code
    return [key, "2024-03"]


VIEWS = [
    ScopedView("activities:this_month", foreign_text="乙社区"),
    ScopedView("activities:monthly_list", foreign_text="乙社区"),
    ScopedView(
        "activities:monthly_edit",
        action="change",
        make=lambda w: [w.community.code, "2024-03"],
        make_foreign=lambda w: [w.sibling.code, "2024-03"],
    ),
    ScopedView(
        "activities:monthly_submit",
        action="change",
        make=lambda w: _return(w.community, ReturnStatus.DRAFT),
        make_foreign=lambda w: _return(w.sibling, ReturnStatus.DRAFT),
    ),
    ScopedView(
        "activities:monthly_approve",
        action="approve",
        user="leader",
        make=lambda w: _return(w.community, ReturnStatus.SUBMITTED),
        make_foreign=lambda w: _return(w.district, ReturnStatus.SUBMITTED),
    ),
    ScopedView(
        "activities:monthly_return",
        action="approve",
        user="leader",
        make=lambda w: _return(w.community, ReturnStatus.SUBMITTED),
        make_foreign=lambda w: _return(w.district, ReturnStatus.SUBMITTED),
    ),
    ScopedView(
        "activities:monthly_reopen",
        action="approve",
        user="leader",
        make=lambda w: _return(w.community, ReturnStatus.APPROVED),
        make_foreign=lambda w: _return(w.district, ReturnStatus.APPROVED),
    ),
    ScopedView(
        "activities:monthly_grid",
        make=lambda w: [w.community.code, "2024-03"],
        make_foreign=lambda w: [w.sibling.code, "2024-03"],
    ),
    ScopedView(
        "activities:yearly_edit",
        make=lambda w: [w.community.code, 2024],
        make_foreign=lambda w: [w.sibling.code, 2024],
    ),
    ScopedView(
        "activities:validation_report",
        foreign_text="乙社区",
        foreign_query=lambda w: {"jurisdiction": w.sibling.code},
    ),
    ScopedView("activities:figure_list", action="manage", user="admin", no_foreign=_SITE_WIDE_FIGURES),
    ScopedView("activities:figure_create", action="manage", user="admin", no_foreign=_SITE_WIDE_FIGURES),
    ScopedView(
        "activities:figure_update",
        action="manage",
        user="admin",
        make=lambda w: [MonthlyFigure.objects.order_by("pk").first().pk],
        no_foreign=_SITE_WIDE_FIGURES,
    ),
]
