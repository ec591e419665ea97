import pytest

from communities.choices import Role
from tests.e2e.conftest import login, screenshot
from tests.factories import make_member
from tests.reporting.test_dashboard import build


@pytest.mark.django_db(transaction=True)
def test_leader_sees_charts_and_drills_down_to_a_street(page):
    district = build("529811000000", seed=11)
    leader = make_member(district, Role.LEADER, "e2e-leader")
    leader.set_password("E2e-leader-2026")
    leader.save()

    login(page, "e2e-leader", "E2e-leader-2026")
    page.goto(f"{page.live_server_url}/dashboard/{district.code}/?year=2026")
    assert page.locator("h1").first.inner_text().startswith(district.name)
    assert page.locator("svg.chart").count() >= 3
    assert page.locator("svg.chart title").first.text_content()
    screenshot(page, "dashboard")

    street = district.children.order_by("code").first()
    page.click(f"#ranking a:has-text('{street.name}')")
    page.wait_for_load_state("networkidle")
    assert street.name in page.locator("h1").first.inner_text()
    assert f"/dashboard/{street.code}/" in page.url

    assert page.outside_requests == []
    assert page.console_errors == []
