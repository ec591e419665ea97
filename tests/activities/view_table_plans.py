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
        action="change",
        own_text="甲社区",
        foreign_text="乙社区",
        foreign_query=lambda w: {"jurisdiction": w.sibling.pk},
    ),
    ScopedView("activities:indicator_template", no_foreign="a blank spreadsheet, the same for everyone"),
    _plan_row("activities:plan_detail"),
    # A plan is read by the places below it that carry it out (base.access): the community reads the district's.
    ScopedView(
        "activities:plan_detail",
        make=lambda w: [_plan(w.district).pk],
        make_foreign=lambda w: [_plan(w.other_district).pk],
        own_text="世界区创建方案",
    ),
    _plan_row("activities:plan_update", action="change"),
    _plan_row("activities:plan_delete", action="change"),
    _plan_row("activities:indicator_create", action="change"),
    _plan_row("activities:indicator_import", action="change"),
    _plan_row("activities:responsibility_list"),
    _plan_row("activities:responsibility_create", action="change"),
    _row("activities:indicator_update", _indicator, action="change"),
    _row("activities:indicator_delete", _indicator, action="change"),
    _row("activities:evidence_upload", _indicator, action="change"),
    _row("activities:responsibility_update", _responsibility, action="change"),
    _row("activities:responsibility_delete", _responsibility, action="change"),
    _row("activities:evidence_download", _evidence),
    _row("activities:evidence_delete", _evidence, action="change"),
]
