from django.test import TestCase

from communities.ethnic_groups import HAN_CODE, NATURALISED_CODE, UNRECOGNISED_CODE, EthnicGroupIndex
from communities.models import EthnicGroup


class EthnicGroupTableTests(TestCase):
    """The GB/T 3304 reference table the data migration loads."""

    def test_the_56_groups_and_the_two_census_categories_are_loaded(self):
        self.assertEqual(EthnicGroup.objects.count(), 58)
        self.assertEqual(EthnicGroup.objects.filter(code__lte="56").count(), 56)

    def test_first_and_last_of_the_56(self):
        for code, name, alpha in (("01", "汉族", "HA"), ("56", "基诺族", "JN")):
            with self.subTest(code=code):
                group = EthnicGroup.objects.get(code=code)
                self.assertEqual((group.name, group.alpha), (name, alpha))

    def test_the_census_categories_beside_the_56(self):
        self.assertEqual(EthnicGroup.objects.get(code=UNRECOGNISED_CODE).name, "未识别民族")
        self.assertEqual(EthnicGroup.objects.get(code=NATURALISED_CODE).name, "外国人加入中国籍")

    def test_han_and_the_census_categories_are_not_minorities(self):
        self.assertFalse(EthnicGroup.objects.get(code=HAN_CODE).is_minority)
        minorities = EthnicGroup.objects.minorities()
        self.assertEqual(minorities.count(), 55)
        self.assertFalse(minorities.filter(code__in=[HAN_CODE, UNRECOGNISED_CODE, NATURALISED_CODE]).exists())
        self.assertTrue(minorities.filter(name="苗族").exists())

    def test_short_name_drops_the_trailing_zu_as_reports_write_it(self):
        for name, short in (("苗族", "苗"), ("土家族", "土家"), ("外国人加入中国籍", "外国人加入中国籍")):
            with self.subTest(name=name):
                self.assertEqual(EthnicGroup.objects.get(name=name).short_name, short)


class EthnicGroupIndexTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.miao = EthnicGroup.objects.get(code="06")

    def setUp(self):
        self.index = EthnicGroupIndex()

    def test_a_group_resolves_by_name_short_name_code_and_romanised_codes(self):
        for text in ("苗族", "苗", "06", "6", "6.0", "MH", "mh", "Miao", "miao", " 苗\u3000族 "):
            with self.subTest(text=text):
                self.assertEqual(self.index.resolve(text), self.miao)

    def test_census_wording_resolves_to_the_two_categories(self):
        self.assertEqual(self.index.resolve("穿青人").code, UNRECOGNISED_CODE)
        self.assertEqual(self.index.resolve("入籍外国人").code, NATURALISED_CODE)

    def test_unknown_or_empty_text_resolves_to_none(self):
        for text in ("火星族", "", None, "99"):
            with self.subTest(text=text):
                self.assertIsNone(self.index.resolve(text))

    def test_the_index_loads_with_one_query(self):
        with self.assertNumQueries(1):
            EthnicGroupIndex()
