"""Start with the activity categories and monthly figures the seed reports count; both lists stay editable."""

from django.db import migrations

CATEGORIES = [
    ("调度会", "organisation"),
    ("宣传教育", "publicity"),
    ("文艺演出", "publicity"),
    ("宣讲", "publicity"),
    ("培训", "publicity"),
    ("联谊", "publicity"),
    ("走访慰问", "service"),
    ("志愿服务", "service"),
    ("矛盾排查", "safety"),
    ("学习考察", "study"),
]

FIGURES = [
    ("window_consultations", "服务窗口接待咨询", "人次", "sum"),
    ("window_cases_received", "服务窗口接件", "件", "sum"),
    ("window_cases_handled", "服务窗口已办理", "件", "sum"),
    ("hotline_calls", "热线接听", "个", "sum"),
    ("screening_person_times", "排查投入", "人次", "sum"),
    ("mediation_cases", "调解案件", "件", "sum"),
    ("volunteers", "五员队伍人数", "人", "latest"),
]


def load(apps, schema_editor):
    ActivityCategory = apps.get_model("activities", "ActivityCategory")
    MonthlyFigure = apps.get_model("activities", "MonthlyFigure")
    for order, (name, section) in enumerate(CATEGORIES, start=1):
        ActivityCategory.objects.get_or_create(name=name, defaults={"report_section": section, "order": order})
    for order, (code, name, unit, aggregation) in enumerate(FIGURES, start=1):
        MonthlyFigure.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "aggregation": aggregation, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
