from datetime import date

from django.test import SimpleTestCase

from base.periods import PeriodError, period_from_params


class PeriodFromParamsTests(SimpleTestCase):
    today = date(2026, 11, 23)

    def test_default_is_this_year(self):
        period = period_from_params({}, today=self.today)
        self.assertEqual((period.start, period.end, period.kind), (date(2026, 1, 1), date(2026, 12, 31), "year"))

    def test_quarter_month_and_range(self):
        cases = [
            ({"year": "2025", "quarter": "2"}, date(2025, 4, 1), date(2025, 6, 30), "quarter"),
            ({"month": "2024-02"}, date(2024, 2, 1), date(2024, 2, 29), "month"),
            ({"from": "2025-11", "to": "2026-02"}, date(2025, 11, 1), date(2026, 2, 28), "range"),
            ({"from": "2026-03"}, date(2026, 3, 1), date(2026, 3, 31), "month"),
        ]
        for params, start, end, kind in cases:
            with self.subTest(params=params):
                period = period_from_params(params, today=self.today)
                self.assertEqual((period.start, period.end, period.kind), (start, end, kind))

    def test_previous_year_keeps_the_span(self):
        period = period_from_params({"month": "2024-02"}, today=self.today).previous_year()
        self.assertEqual((period.start, period.end), (date(2023, 2, 1), date(2023, 2, 28)))

    def test_bad_input_says_what_is_wrong(self):
        cases = [
            ({"year": "20x6"}, "四位年份"),
            ({"month": "2026-13"}, "2026-03"),
            ({"from": "2026-05", "to": "2026-01"}, "结束月份不能早于开始月份"),
            ({"year": "2026", "quarter": "5"}, "1 到 4"),
        ]
        for params, message in cases:
            with self.subTest(params=params), self.assertRaisesMessage(PeriodError, message):
                period_from_params(params, today=self.today)
