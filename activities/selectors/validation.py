"""Validation-rule analysis: which returns break which rule, with both sides' values.

A rule is evaluated in SQL over the stored values, one query per active rule, grouped by return, so one
return's check (the form, submit, approval) and a district's year (the report page, the command) read the same
code. A return is checked against a rule only when it has a value for every figure the rule names. Cross-record
rules (petitions closed ≤ received, none closed before received; no rate above 100%) are checked beside them.

The dashboard needs only how many: `violation_count` sums the per-return counts that database triggers keep in
`ReturnCheck` (activities/return_checks.py, the same evaluation in one SQL statement) instead of evaluating every
rule over every value of the subtree; it equals `len(violations(...))`.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext_lazy as _

from base.periods import first_of_month, next_month
from communities.models import PATH_SEGMENT_WIDTH, Jurisdiction

from ..choices import PetitionKind, PetitionStatus, RuleOperator
from ..models import MonthlyReturn, MonthlyValue, Petition, ReturnCheck, ValidationRule

DECIMAL = DecimalField(max_digits=16, decimal_places=2)

# For each operator, the lookup that finds returns where "left OP right" does NOT hold.
_BROKEN = {
    RuleOperator.LE: ("gt", False),
    RuleOperator.LT: ("gte", False),
    RuleOperator.GE: ("lt", False),
    RuleOperator.GT: ("lte", False),
    RuleOperator.EQ: ("exact", True),  # broken when NOT equal
    RuleOperator.NE: ("exact", False),  # broken when equal
}

_HOLDS = {
    RuleOperator.LE: lambda a, b: a <= b,
    RuleOperator.LT: lambda a, b: a < b,
    RuleOperator.GE: lambda a, b: a >= b,
    RuleOperator.GT: lambda a, b: a > b,
    RuleOperator.EQ: lambda a, b: a == b,
    RuleOperator.NE: lambda a, b: a != b,
}


@dataclass
class Violation:
    """One broken rule: where, which month, the rule's text and both sides' values."""

    jurisdiction: Jurisdiction
    month: date
    rule_text: str
    left: Decimal
    right: Decimal
    is_error: bool = True
    rule: ValidationRule | None = None  # None for a cross-record rule
    monthly_return: MonthlyReturn | None = None
    explanation: str = ""

    @property
    def importance_label(self):
        return _("错误") if self.is_error else _("提醒")

    @property
    def message(self):
        return _("不满足规则“%(rule)s”：左边为%(left)s，右边为%(right)s。") % {
            "rule": self.rule_text,
            "left": _whole(self.left),
            "right": _whole(self.right),
        }


def _whole(value):
    return int(value) if value == int(value) else value


def active_rules():
    """Return the active rules with their figures (three queries)."""
    return list(ValidationRule.objects.filter(is_active=True).prefetch_related("left_figures", "right_figures"))


def holds(rule, left, right):
    return _HOLDS[rule.operator](left, right)


def _side(figure_ids, constant, name):
    """Return (annotations, expression) for one side: the sum of its figures' values plus its constant."""
    constant = Value(Decimal(constant), output_field=DECIMAL)
    if not figure_ids:
        return {}, constant
    return (
        {
            f"{name}_sum": Coalesce(
                Sum("value", filter=Q(figure__in=figure_ids)), Value(Decimal(0)), output_field=DECIMAL
            ),
            f"{name}_n": Count("pk", filter=Q(figure__in=figure_ids)),
        },
        F(f"{name}_sum") + constant,
    )


def broken_returns(rule, values):
    """Return [{"monthly_return", "left", "right"}] for the returns among `values` (a MonthlyValue queryset) that
    break `rule` and have a value for every figure it names. One query."""
    left_ids = [f.pk for f in rule.left_figures.all()]
    right_ids = [f.pk for f in rule.right_figures.all()]
    if not left_ids and not right_ids:
        return []
    left_aggregates, left = _side(left_ids, rule.left_constant, "l")
    right_aggregates, right = _side(right_ids, rule.right_constant, "r")
    complete = {}
    if left_ids:
        complete["l_n"] = len(set(left_ids))
    if right_ids:
        complete["r_n"] = len(set(right_ids))
    lookup, negate = _BROKEN[rule.operator]
    rows = (
        values.order_by()
        .values("monthly_return")
        .annotate(**left_aggregates, **right_aggregates)
        .annotate(
            left=ExpressionWrapper(left, output_field=DECIMAL), right=ExpressionWrapper(right, output_field=DECIMAL)
        )
        .filter(**complete)
    )
    condition = Q(**{f"left__{lookup}": F("right")})
    rows = rows.exclude(condition) if negate else rows.filter(condition)
    return list(rows.values("monthly_return", "left", "right"))


def return_violations(monthly_return, *, rules=None):
    """Return the `Violation`s of one return, errors first (one query per rule)."""
    rules = active_rules() if rules is None else rules
    values = MonthlyValue.objects.filter(monthly_return=monthly_return)
    found = []
    for rule in rules:
        for row in broken_returns(rule, values):
            found.append(
                Violation(
                    jurisdiction=monthly_return.jurisdiction,
                    month=monthly_return.month,
                    rule_text=rule.text,
                    left=row["left"],
                    right=row["right"],
                    is_error=rule.is_error,
                    rule=rule,
                    monthly_return=monthly_return,
                    explanation=(monthly_return.explanations or {}).get(str(rule.pk), ""),
                )
            )
    found.sort(key=lambda v: (not v.is_error, v.rule_text))
    return found


def _values_in(jurisdiction, start_month, end_month):
    subtree = Jurisdiction.objects.filter(path__startswith=jurisdiction.path).values("pk")
    return MonthlyValue.objects.filter(
        monthly_return__jurisdiction__in=subtree,
        monthly_return__month__gte=first_of_month(start_month),
        monthly_return__month__lte=first_of_month(end_month),
    )


def figure_violations(*, jurisdiction, start_month, end_month, rules=None):
    """Return every rule violation of the stored returns of the subtree from start to end month."""
    rules = active_rules() if rules is None else rules
    values = _values_in(jurisdiction, start_month, end_month)
    broken = [(rule, row) for rule in rules for row in broken_returns(rule, values)]
    returns = MonthlyReturn.objects.select_related("jurisdiction").in_bulk(
        {row["monthly_return"] for _r, row in broken}
    )
    found = [
        Violation(
            jurisdiction=returns[row["monthly_return"]].jurisdiction,
            month=returns[row["monthly_return"]].month,
            rule_text=rule.text,
            left=row["left"],
            right=row["right"],
            is_error=rule.is_error,
            rule=rule,
            monthly_return=returns[row["monthly_return"]],
            explanation=(returns[row["monthly_return"]].explanations or {}).get(str(rule.pk), ""),
        )
        for rule, row in broken
    ]
    found.sort(key=lambda v: (v.jurisdiction.path, v.month, not v.is_error, v.rule_text))
    return found


def _record_rows(*, jurisdiction, start_month, end_month, suspects_only=False):
    """Return the query of the (place, month of receipt) groups of petitions that break a cross-record rule.

    `suspects_only`: group only the cases closed before they were received. Exact for counting the broken rules:
    "closed ≤ received" and "agreements ≤ cases" compare a count with a count of a subset of the same rows, so
    only such a case can break a rule across records, and counting it skips grouping every petition of the period.
    """
    start, end = first_of_month(start_month), next_month(first_of_month(end_month))
    petitions = Petition.objects.in_subtree(jurisdiction).filter(received_on__gte=start, received_on__lt=end)
    if suspects_only:
        petitions = petitions.filter(closed_on__lt=F("received_on"))
    return (
        petitions.values("jurisdiction", "received_on__year", "received_on__month")
        .annotate(
            received=Count("pk"),
            closed=Count("pk", filter=Q(status=PetitionStatus.CLOSED, closed_on__isnull=False)),
            early=Count("pk", filter=Q(closed_on__lt=F("received_on"))),
            cases=Count("pk", filter=Q(kind=PetitionKind.DISPUTE)),
            agreements=Count("pk", filter=Q(kind=PetitionKind.DISPUTE, agreement_reached=True)),
        )
        .filter(Q(closed__gt=F("received")) | Q(early__gt=0) | Q(agreements__gt=F("cases")))
        .order_by()
    )


def _record_broken(row):
    """Return the cross-record rules `row` breaks: [(rule text, left, right)]."""
    found = []
    if row["closed"] > row["received"]:
        found.append((_("信访办结件数 ≤ 受理件数"), row["closed"], row["received"]))
    if row["early"]:
        found.append((_("办结日期早于登记日期的案件数 = 0"), row["early"], 0))
    if row["agreements"] > row["cases"]:
        found.append((_("调解成功件数 ≤ 调解受理件数"), row["agreements"], row["cases"]))
    return found


def record_violations(*, jurisdiction, start_month, end_month):
    """Check rules across records: per place and month of receipt, cases closed ≤ cases received, no case closed
    before it was received, and mediation agreements ≤ mediation cases, so no closure or success rate passes 100%.
    One query, and one for the places when any is broken.

    The model already keeps a case from closing before it was received (a check constraint); this check
    guards the figures against rows written around the models (raw SQL, a restored backup)."""
    rows = list(_record_rows(jurisdiction=jurisdiction, start_month=start_month, end_month=end_month))
    places = Jurisdiction.objects.in_bulk({row["jurisdiction"] for row in rows})
    return [
        Violation(
            jurisdiction=places[row["jurisdiction"]],
            month=date(row["received_on__year"], row["received_on__month"], 1),
            rule_text=str(text),
            left=left,
            right=right,
        )
        for row in rows
        for text, left, right in _record_broken(row)
    ]


def violations(*, jurisdiction, start_month, end_month):
    """Return every violation in the subtree over the months, figure rules and cross-record rules alike."""
    found = figure_violations(jurisdiction=jurisdiction, start_month=start_month, end_month=end_month)
    found += record_violations(jurisdiction=jurisdiction, start_month=start_month, end_month=end_month)
    found.sort(key=lambda v: (v.jurisdiction.path, v.month, not v.is_error, v.rule_text))
    return found


def _checks_in(jurisdiction, start_month, end_month):
    return ReturnCheck.objects.filter(
        jurisdiction__path__startswith=jurisdiction.path,
        month__gte=first_of_month(start_month),
        month__lte=first_of_month(end_month),
    )


_BROKEN_RULES = Coalesce(Sum(F("errors") + F("warnings")), 0)


def violation_count(*, jurisdiction, start_month, end_month, figure_rules_broken=None):
    """Return `len(violations(...))` from the per-return check rows the triggers keep (activities.return_checks)
    and the cross-record groups: two queries, whatever the size of the subtree. `figure_rules_broken`: the first
    part already read from the summary tables (summaries.figures); then one query."""
    figures = figure_rules_broken
    if figures is None:
        figures = _checks_in(jurisdiction, start_month, end_month).aggregate(n=_BROKEN_RULES)["n"]
    records = _record_rows(jurisdiction=jurisdiction, start_month=start_month, end_month=end_month, suspects_only=True)
    return figures + sum(len(_record_broken(row)) for row in records)


def violation_counts_by_child(*, jurisdiction, start_month, end_month):
    """Return {path: violations} for each child of `jurisdiction` with any in its subtree (and for the place itself,
    under its own path, when its own returns or records break a rule). Two queries."""
    width = len(jurisdiction.path) + PATH_SEGMENT_WIDTH
    counts = Counter()
    rows = (
        _checks_in(jurisdiction, start_month, end_month)
        .annotate(child=Substr("jurisdiction__path", 1, width))
        .values("child")
        .annotate(n=_BROKEN_RULES)
        .order_by()
    )
    for row in rows:
        counts[row["child"]] += row["n"]
    records = _record_rows(
        jurisdiction=jurisdiction, start_month=start_month, end_month=end_month, suspects_only=True
    ).annotate(path=F("jurisdiction__path"))
    for row in records:
        counts[row["path"][:width]] += len(_record_broken(row))
    return {path: n for path, n in counts.items() if n}
