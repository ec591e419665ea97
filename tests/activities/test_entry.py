"""Repeat work quickly: 再记一次 (copy), several dates at once (all or nothing, locked months named by date),
and the category and place remembered per person."""

from datetime import date, timedelta
from unittest import mock
from urllib.parse import unquote

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from activities.choices import ReturnStatus
from activities.forms.entry import parse_dates
from activities.models import Activity, ActivityEntryPreference, MonthlyReturn
from activities.services.activities import activity_create, activity_photo_add
from activities.services.entry import MAX_DATES, activity_create_many, activity_dates
from communities.choices import AuditAction, Role
from communities.models import AuditEntry
from tests.activities.factories_activities import category, make_activity, upload
from tests.activities.factories_plans import make_indicator, make_plan
from tests.factories import make_member, make_tree


class EntryWorld(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home, cls.sibling = cls.communities[0], cls.communities[1]
        cls.staff = make_member(cls.home, Role.STAFF)
        cls.sibling_staff = make_member(cls.sibling, Role.STAFF)

    def fields(self, **extra):
        values = {
            "jurisdiction": self.home,
            "category": category("宣讲"),
            "title": "四点钟驿站",
            "place": "社区活动室",
            "organiser": "社区",
            "participants": 30,
            "minority_participants": 10,
            "posters": 0,
            "handbooks": 0,
            "promo_items": 0,
            "light_boxes": 0,
            "online_posts": 0,
            "people_reached": 0,
            "summary": "",
        }
        values.update(extra)
        return values


class ActivityDatesTests(TestCase):
    def test_a_weekly_rule_runs_from_the_date_to_the_end_inclusive(self):
        dates = activity_dates(first=date(2026, 1, 5), weekly_until=date(2026, 1, 26))
        self.assertEqual(dates, [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)])

    def test_extra_dates_join_the_rule_once_each_in_order(self):
        dates = activity_dates(
            first=date(2026, 1, 5), extra=[date(2026, 1, 3), date(2026, 1, 12)], weekly_until=date(2026, 1, 12)
        )
        self.assertEqual(dates, [date(2026, 1, 3), date(2026, 1, 5), date(2026, 1, 12)])

    def test_a_whole_year_of_weeks_is_allowed_and_one_more_is_refused(self):
        first = date(2026, 1, 1)
        self.assertEqual(len(activity_dates(first=first, weekly_until=first + timedelta(weeks=52))), MAX_DATES)
        with self.assertRaisesMessage(ValidationError, "一次最多记录 53 个日期，现在是 54 个"):
            activity_dates(first=first, weekly_until=first + timedelta(weeks=53))

    def test_a_mistyped_year_is_refused_without_building_the_list(self):
        with self.assertRaisesMessage(ValidationError, "现在是 1879 个"):
            activity_dates(first=date(2026, 1, 1), weekly_until=date(2062, 1, 1))

    def test_an_end_before_the_start_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "不能早于活动日期 2026-01-05"):
            activity_dates(first=date(2026, 1, 5), weekly_until=date(2026, 1, 4))

    def test_too_many_typed_dates_are_refused(self):
        extra = [date(2026, 1, 1) + timedelta(days=n) for n in range(1, MAX_DATES + 1)]
        with self.assertRaisesMessage(ValidationError, "现在是 54 个"):
            activity_dates(first=date(2026, 1, 1), extra=extra)

    def test_typed_dates_read_in_the_ways_people_write_them(self):
        self.assertEqual(
            parse_dates("2026-12-08，2026/12/15、2026年12月22日\n2026.12.29"),
            [date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 22), date(2026, 12, 29)],
        )
        self.assertEqual(parse_dates("  "), [])

    def test_a_typed_date_that_does_not_exist_is_named(self):
        for text, bad in (("2026-12-08 2026-02-30", "2026-02-30"), ("下周一", "下周一")):
            with self.subTest(text=text), self.assertRaisesMessage(ValidationError, f"“{bad}”不是有效的日期"):
                parse_dates(text)


class ActivityCreateManyTests(EntryWorld):
    def test_one_activity_per_date_each_audited_and_the_choice_remembered(self):
        dates = [date(2024, 5, 6), date(2024, 5, 13), date(2024, 5, 20)]
        created = activity_create_many(actor=self.staff, dates=dates, **self.fields())
        self.assertEqual([a.date for a in created], dates)
        self.assertEqual(Activity.objects.filter(title="四点钟驿站").count(), 3)
        created_rows = AuditEntry.objects.filter(action=AuditAction.CREATE, object_repr__contains="四点钟驿站")
        self.assertEqual(created_rows.count(), 3)
        preference = ActivityEntryPreference.objects.get(user=self.staff)
        self.assertEqual((preference.category, preference.place), (category("宣讲"), "社区活动室"))

    def test_a_locked_date_refuses_all_and_names_each_locked_date(self):
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 5, 1), status=ReturnStatus.APPROVED)
        dates = [date(2024, 4, 29), date(2024, 5, 6), date(2024, 5, 13)]
        with self.assertRaises(ValidationError) as caught:
            activity_create_many(actor=self.staff, dates=dates, **self.fields())
        message = caught.exception.message_dict["date"][0]
        self.assertIn("2024-05-06（2024年5月）、2024-05-13（2024年5月）", message)
        self.assertNotIn("2024-04-29", message)
        self.assertFalse(Activity.objects.exists())
        self.assertFalse(ActivityEntryPreference.objects.exists())

    def test_a_refusal_of_a_later_date_rolls_back_the_earlier_ones(self):
        calls = []

        def create_then_refuse(**kwargs):
            calls.append(kwargs["date"])
            if len(calls) == 2:
                raise ValidationError({"title": "拒绝第二次"})
            return activity_create(**kwargs)

        patched = mock.patch("activities.services.entry.activity_create", create_then_refuse)
        with patched, self.assertRaisesMessage(ValidationError, "拒绝第二次"):
            activity_create_many(actor=self.staff, dates=[date(2024, 5, 6), date(2024, 5, 13)], **self.fields())
        self.assertEqual(calls, [date(2024, 5, 6), date(2024, 5, 13)])
        self.assertFalse(Activity.objects.exists())
        self.assertFalse(AuditEntry.objects.filter(object_repr__contains="四点钟驿站").exists())

    def test_another_subtree_is_refused(self):
        with self.assertRaises(PermissionDenied):
            activity_create_many(
                actor=self.staff, dates=[date(2024, 5, 6), date(2024, 5, 13)], **self.fields(jurisdiction=self.sibling)
            )
        self.assertFalse(Activity.objects.exists())

    def test_more_than_the_bound_is_refused(self):
        dates = [date(2024, 1, 1) + timedelta(days=n) for n in range(MAX_DATES + 1)]
        with self.assertRaisesMessage(ValidationError, "一次最多记录 53 个日期"):
            activity_create_many(actor=self.staff, dates=dates, **self.fields())
        self.assertFalse(Activity.objects.exists())

    def test_photos_with_several_dates_are_refused(self):
        with self.assertRaisesMessage(ValidationError, "一次记录多个日期时不能上传照片"):
            activity_create_many(
                actor=self.staff,
                dates=[date(2024, 5, 6), date(2024, 5, 13)],
                photos=[(upload(), "")],
                **self.fields(),
            )
        self.assertFalse(Activity.objects.exists())


class AgainViewTests(EntryWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.plan = make_plan(cls.home)
        cls.indicator = make_indicator(cls.plan, code="1.1")
        cls.source = make_activity(
            cls.home,
            date(2024, 5, 10),
            "宣讲",
            title="政策宣讲",
            place="广场",
            organiser="社区党委",
            participants=80,
            minority_participants=20,
            posters=12,
            summary="每月一次",
        )
        cls.source.indicators.set([cls.indicator])
        cls.foreign = make_activity(cls.sibling, date(2024, 5, 10), title="乙社区活动")

    def setUp(self):
        self.client.force_login(self.staff)

    def url(self, activity):
        return reverse("activities:activity_again", args=[activity.pk])

    def test_the_form_is_prefilled_with_today_and_nothing_is_saved_yet(self):
        count = Activity.objects.count()
        response = self.client.get(self.url(self.source))
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form["title"].value(), "政策宣讲")
        self.assertEqual(form["place"].value(), "广场")
        self.assertEqual(form["participants"].value(), 80)
        self.assertEqual(form["summary"].value(), "每月一次")
        self.assertEqual(str(form["category"].value()), str(category("宣讲").pk))
        self.assertEqual(str(form["jurisdiction"].value()), str(self.home.pk))
        self.assertEqual(form["date"].value(), timezone.localdate())
        self.assertEqual([int(pk) for pk in form["indicators"].value()], [self.indicator.pk])
        self.assertContains(response, "照片不会复制")
        self.assertEqual(Activity.objects.count(), count)

    def test_submitting_the_copy_records_a_new_activity_without_photos(self):
        activity_photo_add(activity=self.source, photos=[(upload(), "旧照片")], actor=self.staff)
        response = self.client.get(self.url(self.source))
        data = {name: response.context["form"][name].value() for name in response.context["form"].fields}
        data = {k: v for k, v in data.items() if v is not None and k not in ("photos",)}
        data["date"] = "2024-06-10"
        response = self.client.post(self.url(self.source), data)
        copy = Activity.objects.exclude(pk=self.source.pk).get(title="政策宣讲")
        self.assertRedirects(response, reverse("activities:activity_detail", args=[copy.pk]))
        self.assertEqual((copy.date, copy.place, copy.posters), (date(2024, 6, 10), "广场", 12))
        self.assertEqual(list(copy.indicators.all()), [self.indicator])
        self.assertFalse(copy.photos.exists())
        self.assertEqual(copy.created_by, self.staff)

    def test_copying_another_subtrees_activity_is_404_like_a_missing_one(self):
        self.assertEqual(self.client.get(self.url(self.foreign)).status_code, 404)
        self.assertEqual(self.client.post(self.url(self.foreign), {"title": "x"}).status_code, 404)
        self.assertEqual(self.client.get(reverse("activities:activity_again", args=[999999])).status_code, 404)

    def test_anonymous_is_sent_to_login(self):
        self.client.logout()
        response = self.client.get(self.url(self.source))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])

    def test_the_detail_page_and_the_list_link_to_it(self):
        link = self.url(self.source)
        self.assertContains(self.client.get(reverse("activities:activity_detail", args=[self.source.pk])), link)
        self.assertContains(self.client.get(reverse("activities:activity_list")), link)

    def test_a_locked_activity_can_still_be_copied_into_an_open_month(self):
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 5, 1), status=ReturnStatus.APPROVED)
        response = self.client.get(reverse("activities:activity_detail", args=[self.source.pk]))
        self.assertContains(response, self.url(self.source))
        self.assertNotContains(response, reverse("activities:activity_update", args=[self.source.pk]))


class RecurringFormTests(EntryWorld):
    url = reverse("activities:activity_create")

    def setUp(self):
        self.client.force_login(self.staff)

    def data(self, **extra):
        values = {
            "jurisdiction": self.home.pk,
            "date": "2024-05-06",
            "category": category("宣讲").pk,
            "title": "四点钟驿站",
            "place": "社区活动室",
            "participants": "30",
        }
        values.update(extra)
        return values

    def test_a_weekly_rule_and_extra_dates_record_one_activity_each(self):
        response = self.client.post(self.url, self.data(weekly_until="2024-05-27", extra_dates="2024-06-01"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("q=四点钟驿站", unquote(response["Location"]))
        dates = sorted(Activity.objects.filter(title="四点钟驿站").values_list("date", flat=True))
        self.assertEqual(
            dates, [date(2024, 5, 6), date(2024, 5, 13), date(2024, 5, 20), date(2024, 5, 27), date(2024, 6, 1)]
        )

    def test_too_many_dates_show_on_the_rule_and_save_nothing(self):
        response = self.client.post(self.url, self.data(weekly_until="2025-12-31"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("一次最多记录 53 个日期", response.context["form"].errors["weekly_until"][0])
        self.assertContains(response, 'class="card repeat-fields" open')
        self.assertFalse(Activity.objects.exists())

    def test_a_bad_typed_date_is_named_on_its_field(self):
        response = self.client.post(self.url, self.data(extra_dates="2024-05-13 2024-13-01"))
        self.assertIn("“2024-13-01”不是有效的日期", response.context["form"].errors["extra_dates"][0])
        self.assertFalse(Activity.objects.exists())

    def test_a_locked_date_is_named_and_nothing_is_saved(self):
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 6, 1), status=ReturnStatus.APPROVED)
        response = self.client.post(self.url, self.data(extra_dates="2024-06-03 2024-05-27"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("2024-06-03（2024年6月）", response.context["form"].errors["date"][0])
        self.assertFalse(Activity.objects.exists())

    def test_the_next_new_form_offers_the_last_category_and_place(self):
        self.client.post(self.url, self.data(category=category("文艺演出").pk, place="文化广场"))
        form = self.client.get(self.url).context["form"]
        self.assertEqual(str(form["category"].value()), str(category("文艺演出").pk))
        self.assertEqual(form["place"].value(), "文化广场")

    def test_the_remembered_choice_is_per_person(self):
        self.client.post(self.url, self.data(place="文化广场"))
        self.client.force_login(self.sibling_staff)
        form = self.client.get(self.url).context["form"]
        self.assertIsNone(form["category"].value())
        self.assertFalse(form["place"].value())

    def test_a_deactivated_remembered_category_is_not_offered(self):
        self.client.post(self.url, self.data())
        speech = category("宣讲")
        speech.is_active = False
        speech.save()
        self.assertIsNone(self.client.get(self.url).context["form"]["category"].value())

    def test_editing_offers_no_repeat(self):
        activity = make_activity(self.home, date(2024, 5, 10))
        response = self.client.get(reverse("activities:activity_update", args=[activity.pk]))
        self.assertNotIn("weekly_until", response.context["form"].fields)
        self.assertNotContains(response, "repeat-fields")
