import pytest
from playwright.sync_api import Error as PlaywrightError

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


@pytest.mark.django_db(transaction=True)
def test_the_policy_blocks_an_injected_inline_script_and_the_fixture_sees_it(page):
    page.goto(f"{page.live_server_url}/login/")
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="document.body.dataset.injected = 'ran';")
    page.wait_for_function("document.body !== null")  # a round trip: the violation event has been logged by now
    assert page.evaluate("document.body.dataset.injected") is None
    violations = [text for text in page.console_errors if text.startswith("CSP violation:")]
    assert violations, page.console_errors
    page.console_errors.clear()  # seen on purpose; the fixture would fail the test on it otherwise


@pytest.mark.django_db(transaction=True)
def test_language_menu_and_tree_work_without_inline_code(page):
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, district, code="520115001001")
    user = make_member(district, Role.LEADER, "e2e-tree")
    user.set_password("E2e-pass-2024")
    user.save()
    login(page, "e2e-tree", "E2e-pass-2024")
    page.goto(f"{page.live_server_url}/jurisdictions/")
    pad = page.locator(".tree-item:has-text('碧海社区') .tree-pad")
    assert pad.evaluate("el => getComputedStyle(el).paddingLeft") == "20px"  # one level below the leader's top
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.django_db(transaction=True)
def test_six_wrong_passwords_lock_the_account_with_a_chinese_message(page):
    user = make_member(make_jurisdiction("某社区"), Role.STAFF, "e2e-lock")
    user.set_password("E2e-pass-2024")
    user.save()
    for _ in range(6):
        login(page, "e2e-lock", "not-the-password")
    assert "账户已暂时锁定" in page.content()
    login(page, "e2e-lock", "E2e-pass-2024")
    assert "之后再试" in page.content()
    screenshot(page, "login-locked")
    # The 429 answers are the lockout working, not page errors.
    page.console_errors[:] = [e for e in page.console_errors if "429" not in e]
