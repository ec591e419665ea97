import pytest

from communities.choices import JurisdictionLevel, Role
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member, make_population


@pytest.mark.django_db(transaction=True)
def test_staff_logs_in_and_sees_their_community_composition(page):
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, district, code="520115001001")
    make_population(community, 2024, {"汉族": 48260, "土家族": 1353}, residents=49613, households=13017)
    user = make_member(community, Role.STAFF, "e2e-staff")
    user.set_password("E2e-pass-2024")
    user.save()

    login(page, "e2e-staff", "E2e-pass-2024")
    page.click("text=碧海社区")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-figure=minority_share]").inner_text() == "2.73%"
    assert page.locator("[data-figure=population]").inner_text() == "49613"
    screenshot(page, "jurisdiction-detail")
    assert page.outside_requests == []
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_a_chinese_error(page):
    make_member(make_jurisdiction("某社区"), Role.STAFF, "e2e-wrong")
    login(page, "e2e-wrong", "not-the-password")
    assert "用户名或密码不正确" in page.content()
