"""The big screen (数据大屏) at 1920×1080 on the demo data: filled, refreshed after a write, and kept when cut off."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import ARTIFACTS, login, screenshot

DISTRICT = "520115000000"
PANELS = ("composition", "activities_by_month", "petitions_by_month", "ranking", "treemap", "plan")


@pytest.fixture
def demo(db):
    from demo.demo import load_demo

    load_demo(today=timezone.localdate())


@pytest.fixture
def screen_page(browser, live_server):
    """A 1920×1080 page that fails on console errors, like the `page` fixture, but sees every request."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(20000)
    page.live_server_url = live_server.url
    page.console_errors = []
    page.requests = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(f"uncaught: {exc}"))
    page.on("request", lambda request: page.requests.append(request.url))
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    from tests.e2e.conftest import CSP_LISTENER

    context.add_init_script(CSP_LISTENER)
    yield page
    context.close()
    outside = [url for url in page.requests if not url.startswith(live_server.url)]
    assert outside == [], f"requests that left the site: {outside}"
    assert page.console_errors == [], page.console_errors


def _figure(page, name):
    return page.locator(f"[data-figure='{name}']").inner_text()


@pytest.mark.django_db(transaction=True)
def test_big_screen_is_filled_updates_after_a_write_and_survives_the_server_going_away(screen_page, demo):
    from activities.models import Activity, ActivityCategory
    from communities.models import Jurisdiction

    page = screen_page
    login(page, "leader", "Demo-leader-2026")
    page.goto(f"{page.live_server_url}/screen/{DISTRICT}/?refresh=2")
    for name in PANELS:
        page.wait_for_selector(f"[data-chart='{name}'].is-drawn svg path", state="attached")
    # Every headline figure has a value from the demo, and the frame fills the display without scrolling.
    for el in page.locator("[data-figure]").all():
        assert el.inner_text().strip() not in ("", "—"), el.get_attribute("data-figure")
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    figure_font = page.locator("[data-figure='population']").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert figure_font >= 40  # large numerals: about 50 px at 1920 wide
    first_stamp = page.locator("[data-updated]").inner_text()
    assert first_stamp
    screenshot(page, "screen-1920")

    # A write: the screen shows it at its next refresh, without a reload.
    before = int(_figure(page, "activities").replace(",", ""))
    page.evaluate("window.__notReloaded = true")
    community = Jurisdiction.objects.get(code="520115001001")
    Activity.objects.create(
        jurisdiction=community,
        category=ActivityCategory.objects.first(),
        title="大屏测试活动",
        date=timezone.localdate(),
        participants=30,
    )
    page.wait_for_function(
        "n => parseInt(document.querySelector(\"[data-figure='activities']\").textContent.replace(/,/g, '')) === n",
        arg=before + 1,
    )
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("[data-period]").inner_text().strip()  # still names its period

    # The server goes away: the figures stay, with the time of the last update and a notice.
    kept_activities = _figure(page, "activities")
    kept_stamp = page.locator("[data-updated]").inner_text()
    page.route(re.compile(r".*/api/v1/jurisdictions/.*"), lambda route: route.abort("connectionrefused"))
    page.wait_for_selector("[data-stale]:not([hidden])")
    page.wait_for_timeout(2500)  # one more failed refresh
    assert _figure(page, "activities") == kept_activities
    assert page.locator("[data-updated]").inner_text() == kept_stamp
    assert page.locator("[data-chart='composition'] svg path").count() > 0
    screenshot(page, "screen-offline")
    # The failed fetches are the point of this test; Chromium reports each on the console.
    page.console_errors[:] = [e for e in page.console_errors if "Failed to load resource" not in e]

    # Back again: fresh figures and the notice gone.
    page.unroute(re.compile(r".*/api/v1/jurisdictions/.*"))
    page.wait_for_selector("[data-stale]", state="hidden")


@pytest.mark.django_db(transaction=True)
def test_a_display_link_opens_the_screen_logged_out(screen_page, demo):
    from django.contrib.auth import get_user_model

    from communities.models import Jurisdiction
    from reporting.services import display_link_create

    district = Jurisdiction.objects.get(code=DISTRICT)
    admin = get_user_model().objects.get(username="admin")
    _link, token = display_link_create(
        jurisdiction=district, label="大厅", expires_at=timezone.now() + timedelta(days=1), actor=admin
    )
    page = screen_page
    page.goto(f"{page.live_server_url}/display/{token}/?refresh=2")
    for name in PANELS:
        page.wait_for_selector(f"[data-chart='{name}'].is-drawn svg path", state="attached")
    stamp = page.locator("[data-updated]").inner_text()
    # It refreshes from the link's own figures, logged out.
    with page.expect_response(lambda r: f"/display/{token}/data/" in r.url and r.status == 200):
        pass
    assert page.locator("[data-stale]").is_hidden()
    assert stamp
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 3840, "height": 2160})
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.scrollHeight") <= 2160
    page.screenshot(path=str(ARTIFACTS / "screen-3840.png"))


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_of_the_demo_district_has_no_csp_violation(page, demo):
    login(page, "leader", "Demo-leader-2026")
    page.goto(f"{page.live_server_url}/dashboard/{DISTRICT}/")
    page.wait_for_selector("[data-chart='ranking'].is-ready svg")
    screenshot(page, "dashboard-demo")


@pytest.mark.django_db(transaction=True)
def test_uploading_the_demo_geojson_shows_a_choropleth_that_drills_down(page, demo):
    from pathlib import Path

    geojson = Path(__file__).resolve().parents[2] / "demo" / "boundaries" / f"{DISTRICT}.geojson"
    login(page, "admin", "Demo-admin-2026")
    page.goto(f"{page.live_server_url}/screen/{DISTRICT}/boundaries/")
    page.set_input_files("input[type=file]", str(geojson))
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**/dashboard/{DISTRICT}/")
    chart = page.locator("[data-chart='map']")
    page.wait_for_selector("[data-chart='map'].is-ready svg path", state="attached")
    assert page.locator("[data-chart='treemap']").count() == 0
    chart.scroll_into_view_if_needed()
    screenshot(page, "dashboard-map")
    # Clicking a region opens that child's dashboard.
    label = chart.locator("svg text:text-is('朱昌镇')")
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] + 6)
    page.wait_for_url("**/dashboard/520115100000/**")
