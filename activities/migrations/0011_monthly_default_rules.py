"""Ship the default validation rules over the default figures, adding the two figures they need.

服务窗口 已办理 ≤ 接件 ≤ 接待咨询; 热线 已办理 ≤ 接听; 调解成功 ≤ 调解受理 (the figure 调解案件); every count ≥ 0.
Rules and figures stay editable; a rule whose name already exists is left as it is.
"""

from django.db import migrations

NEW_FIGURES = [
    ("hotline_handled", "热线已办理", "人次", "sum", 5),
    ("mediation_successes", "调解成功", "件", "sum", 7),
]

COMPARISONS = [
    ("服务窗口已办理不超过接件", ["window_cases_handled"], "le", ["window_cases_received"]),
    ("服务窗口接件不超过接待咨询", ["window_cases_received"], "le", ["window_consultations"]),
    ("热线已办理不超过接听", ["hotline_handled"], "le", ["hotline_calls"]),
    ("调解成功不超过调解受理", ["mediation_successes"], "le", ["mediation_cases"]),
]


def load(apps, schema_editor):
    MonthlyFigure = apps.get_model("activities", "MonthlyFigure")
    ValidationRule = apps.get_model("activities", "ValidationRule")
    for code, name, unit, aggregation, order in NEW_FIGURES:
        MonthlyFigure.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "aggregation": aggregation, "order": order}
        )
    figures = {f.code: f for f in MonthlyFigure.objects.all()}
    for name, left, operator, right in COMPARISONS:
        if not all(code in figures for code in left + right):
            continue  # an administrator removed a default figure: the rule has nothing to compare
        rule, created = ValidationRule.objects.get_or_create(name=name, defaults={"operator": operator})
        if created:
            rule.left_figures.set([figures[c] for c in left])
            rule.right_figures.set([figures[c] for c in right])
    for figure in figures.values():
        rule, created = ValidationRule.objects.get_or_create(
            name=f"{figure.name}不小于0", defaults={"operator": "ge", "right_constant": 0}
        )
        if created:
            rule.left_figures.set([figure])


class Migration(migrations.Migration):
    dependencies = [("activities", "0010_monthly_validation_rules")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
