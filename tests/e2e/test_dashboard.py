import pytest

from communities.choices import Role
from tests.e2e.conftest import login, screenshot
from tests.factories import make_member
from tests.reporting.test_dashboard import build

CHARTS = ("composition", "activities_by_month", "participants_by_month", "categories", "petitions_by_month")


def _leader_on_dashboard(page, code):
    page.goto(f"{page.live_server_url}/dashboard/{code}/?year=2026")
    page.wait_for_selector("[data-chart='ranking'].is-ready svg")


@pytest.mark.django_db(transaction=True)
def test_leader_sees_echarts_and_drills_down_to_a_street(page):
    district = build("529811000000", seed=11)
    leader = make_member(district, Role.LEADER, "e2e-leader")
    leader.set_password("E2e-leader-2026")
    leader.save()
    requests = []
    page.on("request", lambda r: requests.append(r.url))

    login(page, "e2e-leader", "E2e-leader-2026")
    _leader_on_dashboard(page, district.code)
    assert page.locator("h1").first.inner_text().startswith(district.name)
    for name in (*CHARTS, "ranking", "treemap"):
        # The SVG renderer: every chart is an <svg> with drawn paths, not a canvas.
        assert page.locator(f"[data-chart='{name}'] svg path").count() > 0, name
    assert page.locator("[data-chart] canvas").count() == 0

    # A tooltip on hover over the months' bars, naming the series against last year.
    box = page.locator("[data-chart='activities_by_month']").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    tooltip = page.locator("[data-chart='activities_by_month'] div:has-text('上年同期')").last
    tooltip.wait_for(state="visible")
    assert "本期" in tooltip.inner_text()
    screenshot(page, "dashboard")

    # Clicking a street's bar in the ranking opens that street's dashboard.
    street = district.children.order_by("code").first()
    bar_chart = page.locator("[data-chart='ranking']")
    bar_chart.scroll_into_view_if_needed()  # the mouse clicks at viewport coordinates
    label = bar_chart.locator(f"svg text:text-is('{street.name}')")
    label_box = label.bounding_box()
    chart_box = bar_chart.bounding_box()
    # The bar starts right of the axis labels: click a little right of the label, on the bar's row.
    page.mouse.click(label_box["x"] + label_box["width"] + 14, label_box["y"] + label_box["height"] / 2)
    page.wait_for_url(f"**/dashboard/{street.code}/**")
    assert street.name in page.locator("h1").first.inner_text()
    assert chart_box["width"] > 0

    assert all(url.startswith(page.live_server_url) for url in requests), requests
    assert page.outside_requests == []
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_clicking_a_month_filters_the_page_and_the_tables_read_without_script(page):
    district = build("529812000000", seed=12)
    leader = make_member(district, Role.LEADER, "e2e-leader2")
    leader.set_password("E2e-leader-2026")
    leader.save()
    login(page, "e2e-leader2", "E2e-leader-2026")
    _leader_on_dashboard(page, district.code)
    chart = page.locator("[data-chart='activities_by_month']")
    page.locator("[data-chart='activities_by_month'] svg text:text-is('2026-03')").click()
    page.wait_for_url("**from=2026-03&to=2026-03")
    assert "2026年3月" in page.locator("h1").first.inner_text()
    assert chart.count() == 1

    # The data tables are in the page for a reader without script (or a screen reader).
    page.locator("#months-table").first.wait_for(state="attached")
    assert page.locator("#months-table tbody tr").count() == 1


@pytest.mark.django_db(transaction=True)
def test_phone_leads_with_headline_figures_and_fits_the_width(browser, live_server):
    from tests.e2e.conftest import ARTIFACTS

    district = build("529813000000", seed=13)
    leader = make_member(district, Role.LEADER, "e2e-phone")
    leader.set_password("E2e-leader-2026")
    leader.save()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))  # the browser's own request
    page.live_server_url = live_server.url
    login(page, "e2e-phone", "E2e-leader-2026")
    _leader_on_dashboard(page, district.code)
    strip = page.locator(".headline-strip")
    assert strip.is_visible()
    assert strip.locator("[data-headline='petitions_overdue']").is_visible()
    assert strip.locator("[data-headline='returns_late']").is_visible()
    # The strip comes before the first card, and no chart is wider than the screen.
    assert strip.bounding_box()["y"] < page.locator("#population").bounding_box()["y"]
    for box in page.locator("[data-chart].is-drawn").all():
        assert box.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=False)
    context.close()
    assert errors == []
