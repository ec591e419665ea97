from decimal import Decimal

from django.test import TestCase

from communities.choices import JurisdictionLevel, PopulationKind
from communities.selectors import children_population, population_summary
from tests.factories import make_jurisdiction, make_population, make_tree


class PopulationSummaryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        # Seed 003, 碧海社区: 49613 residents, 1353 minority residents.
        make_population(
            cls.communities[0],
            2024,
            {"汉族": 48260, "土家族": 600, "苗族": 500, "布依族": 253},
            residents=49613,
            households=13017,
            floating_minority=119,
            hardship_households=5,
            hardship_persons=21,
        )
        make_population(cls.communities[1], 2024, {"汉族": 900, "苗族": 100}, residents=1000, households=300)
        make_population(cls.communities[2], 2024, {"汉族": 1900, "瑶族": 100}, residents=2000, households=700)

    def test_community_figures_match_seed_003(self):
        summary = population_summary(jurisdiction=self.communities[0], year=2024)
        self.assertEqual(summary.population, 49613)
        self.assertEqual(summary.minority_total, 1353)
        self.assertEqual(summary.minority_share, Decimal("2.73"))
        self.assertEqual(summary.minority_group_count, 3)
        self.assertEqual(summary.floating_minority, 119)
        self.assertEqual((summary.hardship_households, summary.hardship_persons), (5, 21))

    def test_groups_are_listed_largest_first_with_both_shares(self):
        summary = population_summary(jurisdiction=self.communities[0], year=2024)
        self.assertEqual([g.ethnic_group.name for g in summary.groups], ["汉族", "土家族", "苗族", "布依族"])
        tujia = summary.groups[1]
        self.assertEqual(tujia.share_of_residents, Decimal("1.21"))
        self.assertEqual(tujia.share_of_minority, Decimal("44.35"))
        self.assertIsNone(summary.groups[0].share_of_minority)

    def test_street_rolls_up_its_communities(self):
        summary = population_summary(jurisdiction=self.streets[0], year=2024)
        self.assertEqual(summary.population, 50613)
        self.assertEqual(summary.households, 13317)
        self.assertEqual(summary.minority_total, 1453)
        miao = next(g for g in summary.groups if g.ethnic_group.name == "苗族")
        self.assertEqual(miao.count, 600)

    def test_district_rolls_up_the_whole_tree(self):
        summary = population_summary(jurisdiction=self.district, year=2024)
        self.assertEqual(summary.population, 52613)
        self.assertEqual(summary.minority_total, 1553)

    def test_own_record_is_not_counted_twice_with_its_children(self):
        make_population(self.streets[1], 2024, {"汉族": 2500, "瑶族": 150}, residents=2650)
        self.assertEqual(population_summary(jurisdiction=self.streets[1], year=2024).population, 2650)
        self.assertEqual(population_summary(jurisdiction=self.district, year=2024).population, 50613 + 2650)

    def test_many_recorded_streets_hide_their_communities_by_id(self):
        # More shadowing jurisdictions than MAX_SHADOW_PREFIXES: the counted records are named by id.
        from communities import selectors

        make_population(self.streets[0], 2024, {"汉族": 70000}, residents=70000)
        old = selectors.MAX_SHADOW_PREFIXES
        selectors.MAX_SHADOW_PREFIXES = 0
        try:
            summary = population_summary(jurisdiction=self.district, year=2024)
        finally:
            selectors.MAX_SHADOW_PREFIXES = old
        self.assertEqual(summary.population, 70000 + 2000)
        self.assertEqual(summary.minority_total, 100)

    def test_other_years_and_kinds_are_separate(self):
        school = make_jurisdiction("实验小学", JurisdictionLevel.UNIT, self.streets[0])
        make_population(
            school, 2024, {"瑶族": 518, "汉族": 381}, kind=PopulationKind.STUDENT, residents=899, female=442
        )
        students = population_summary(jurisdiction=school, year=2024, kind=PopulationKind.STUDENT)
        self.assertEqual(students.population, 899)
        # Students' shares are written with one decimal, as seed 篇2 does (518 of 899 → 57.6%).
        self.assertEqual(students.groups[0].share_of_residents, Decimal("57.6"))
        self.assertFalse(population_summary(jurisdiction=self.streets[0], year=2023).has_data)
        self.assertEqual(population_summary(jurisdiction=self.streets[0], year=2024).population, 50613)

    def test_summary_takes_four_queries_whatever_the_tree_size(self):
        with self.assertNumQueries(4):
            population_summary(jurisdiction=self.district, year=2024)

    def test_children_figures_in_constant_queries(self):
        with self.assertNumQueries(4):
            rows = children_population(jurisdiction=self.district, year=2024)
        self.assertEqual([r.population for r in rows], [50613, 2000])
        self.assertEqual(rows[0].minority_share, Decimal("2.87"))
