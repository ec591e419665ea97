"""View table rows for the plan pages (see tests/scoping.py)."""

from tests.activities.factories_plans import make_evidence, make_indicator, make_plan, make_responsibility
from tests.scoping import ScopedView


def _plan(jurisdiction):
    return make_plan(jurisdiction, title=f"{jurisdiction.name}创建方案")


def _indicator(jurisdiction):
    return make_indicator(_plan(jurisdiction), points=5)


def _responsibility(jurisdiction):
    return make_responsibility(_indicator(jurisdiction))


def _evidence(jurisdiction):
    return make_evidence(_indicator(jurisdiction))


def _plan_row(name, **extra):
    return ScopedView(
        name, make=lambda w: [_plan(w.community).pk], make_foreign=lambda w: [_plan(w.sibling).pk], **extra
    )


def _row(name, make, **extra):
    return ScopedView(name, make=lambda w: [make(w.community).pk], make_foreign=lambda w: [make(w.sibling).pk], **extra)


VIEWS = [
    ScopedView("activities:plan_list", make=lambda w: (_plan(w.sibling), None)[1], foreign_text="乙社区创建方案"),
    ScopedView(
        "activities:plan_create",
        own_text="甲社区",
        foreign_text="乙社区",
        foreign_query=lambda w: {"jurisdiction": w.sibling.pk},
    ),
    ScopedView("activities:indicator_template", no_foreign="a blank spreadsheet, the same for everyone"),
    _plan_row("activities:plan_detail"),
    _plan_row("activities:plan_update"),
    _plan_row("activities:plan_delete"),
    _plan_row("activities:indicator_create"),
    _plan_row("activities:indicator_import"),
    _plan_row("activities:responsibility_list"),
    _plan_row("activities:responsibility_create"),
    _row("activities:indicator_update", _indicator),
    _row("activities:indicator_delete", _indicator),
    _row("activities:evidence_upload", _indicator),
    _row("activities:responsibility_update", _responsibility),
    _row("activities:responsibility_delete", _responsibility),
    _row("activities:evidence_download", _evidence),
    _row("activities:evidence_delete", _evidence),
]
