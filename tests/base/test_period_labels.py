"""Months and dates written for people go through one helper that follows the active language."""

from datetime import date

from django.template import Context, Template
from django.test import SimpleTestCase
from django.utils import translation

from base.periods import Period, day_label, month_label


class MonthLabelTests(SimpleTestCase):
    def test_chinese_and_english(self):
        cases = {"zh-hans": ("2026年12月", "2026年12月1日"), "en": ("December 2026", "Dec. 1, 2026")}
        for language, (month, day) in cases.items():
            with self.subTest(language=language), translation.override(language):
                self.assertEqual(month_label(date(2026, 12, 1)), month)
                self.assertEqual(day_label(date(2026, 12, 1)), day)

    def test_period_labels_use_it(self):
        month = Period(date(2026, 3, 1), date(2026, 3, 31), "month")
        span = Period(date(2026, 1, 1), date(2026, 5, 31), "range")
        with translation.override("zh-hans"):
            self.assertEqual(month.label, "2026年3月")
            self.assertEqual(span.label, "2026年1月至2026年5月")
        with translation.override("en"):
            self.assertEqual(month.label, "March 2026")
            # The word between the months comes from the catalogue; both months are English whatever it says.
            self.assertRegex(span.label, r"^January 2026\W*\w*\W*May 2026$")

    def test_the_template_filters_need_no_load_and_leave_no_date_empty(self):
        template = Template("{{ m|month_label }}|{{ d|day_label }}|{{ none|month_label }}")
        context = Context({"m": date(2026, 12, 1), "d": date(2026, 12, 8), "none": None})
        with translation.override("en"):
            self.assertEqual(template.render(context), "December 2026|Dec. 8, 2026|")
        with translation.override("zh-hans"):
            self.assertEqual(template.render(context), "2026年12月|2026年12月8日|")
