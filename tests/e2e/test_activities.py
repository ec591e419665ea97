"""Browser test: a community's staff records an activity with a photo from the form and finds it in the list."""

import pytest
from PIL import Image

from activities.models import Activity
from communities.choices import JurisdictionLevel, Role
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member


@pytest.mark.django_db(transaction=True)
def test_staff_records_an_activity_with_a_photo(page, tmp_path):
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, district, code="520115001001")
    sibling = make_jurisdiction("金华社区", JurisdictionLevel.COMMUNITY, district, code="520115001002")
    user = make_member(community, Role.STAFF, "e2e-activity")
    user.set_password("E2e-pass-2024")
    user.save()
    make_member(sibling, Role.STAFF, "e2e-sibling")

    photo_path = tmp_path / "宣讲现场.jpg"
    picture = Image.new("RGB", (1600, 1200), (180, 40, 40))
    picture.paste((250, 200, 40), (400, 300, 1200, 900))
    picture.save(photo_path, "JPEG", quality=90)

    login(page, "e2e-activity", "E2e-pass-2024")
    page.click("nav.site-nav >> text=活动")
    page.wait_for_load_state("networkidle")
    page.click("text=新增活动")
    page.wait_for_load_state("networkidle")

    # The only jurisdiction this user may record for is chosen already, and the date is today.
    assert page.locator("#id_jurisdiction").input_value() == str(community.pk)
    assert page.locator("#id_date").input_value()
    page.select_option("#id_category", label="宣讲")
    page.fill("#id_title", "民族团结进步政策宣讲进小区")
    page.fill("#id_place", "碧海社区党群服务中心")
    page.fill("#id_organiser", "碧海社区党委")
    page.fill("#id_participants", "120")
    page.fill("#id_minority_participants", "36")
    page.fill("#id_posters", "30")
    page.fill("#id_handbooks", "200")
    page.fill("#id_people_reached", "650")
    page.fill("#id_summary", "邀请讲师宣讲民族团结进步政策，发放宣传手册。")
    page.set_input_files("#id_photos", str(photo_path))
    # One caption box per chosen photo, with a preview.
    page.wait_for_selector("[data-photo-previews] img")
    page.fill("[data-photo-previews] input[data-caption='0']", "宣讲现场")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")

    assert "已保存活动“民族团结进步政策宣讲进小区”" in page.content()
    activity = Activity.objects.get()
    assert (activity.jurisdiction_id, activity.participants, activity.minority_participants) == (community.pk, 120, 36)
    photo = activity.photos.get()
    assert (photo.caption, photo.width, photo.height) == ("宣讲现场", 1600, 1200)

    page.click("nav.site-nav >> text=活动")
    page.wait_for_load_state("networkidle")
    row = page.locator(f"tr[data-activity='{activity.pk}']")
    assert "民族团结进步政策宣讲进小区" in row.inner_text()
    thumbnail = row.locator("img.thumb")
    # The thumbnail really loaded: the browser decoded it to its natural width.
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") == 320
    screenshot(page, "activity-created")
    assert page.outside_requests == []
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_community_staff_link_an_activity_to_the_district_plans_indicator(page):
    from tests.activities.factories_plans import make_indicator, make_plan, make_responsibility

    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, district, code="520115001001")
    plan = make_plan(district, "观山湖区创建工作方案")
    other = make_indicator(plan, "A1", "建立工作机制", order=1)
    make_responsibility(other, lead_department="区民宗局")
    ours = make_indicator(plan, "B2", "开展民族团结宣传教育", order=2)
    make_responsibility(ours, lead_department="区委宣传部", cooperating_departments="碧海社区")
    user = make_member(community, Role.STAFF, "e2e-evidence")
    user.set_password("E2e-pass-2024")
    user.save()

    login(page, "e2e-evidence", "E2e-pass-2024")
    page.goto(f"{page.live_server_url}/activities/new/")
    page.select_option("#id_category", label="宣讲")
    page.fill("#id_title", "民族团结宣传进小区")
    page.fill("#id_place", "碧海社区广场")
    page.fill("#id_participants", "80")
    page.fill("#id_minority_participants", "20")
    page.click("details.indicator-picker summary")
    # The district plan's indicator whose responsibility line names 碧海社区 is offered first, and says why.
    first = page.locator("details.indicator-picker label:has(input[type=checkbox])").first
    assert "B2 开展民族团结宣传教育" in first.inner_text() and "责任分解涉及本辖区" in first.inner_text()
    first.locator("input[type=checkbox]").check()
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")

    activity = Activity.objects.get()
    assert list(activity.indicators.all()) == [ours]
    assert "开展民族团结宣传教育" in page.content()
    screenshot(page, "activity-evidence-linked")
    assert page.outside_requests == []
    assert page.console_errors == []
