"""The frame on a phone (390×844) and on an office screen (1366×900): the menu button, the folded filters,
lists whose dates and status tags never wrap, keyboard use, and 再记一次. Screenshots go under a tmp dir."""

from datetime import timedelta

import pytest
from django.utils import timezone

from activities.choices import PetitionStatus
from activities.models import Activity
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_activities import make_activity
from tests.activities.factories_petitions import make_petition
from tests.e2e.conftest import login
from tests.factories import make_jurisdiction, make_member

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
PASSWORD = "E2e-pass-2024"

# For each cell: how many line boxes its text takes (a Range's client rects) and the text's height against its
# line height (the cell itself is as tall as its row). One line box, under two lines high: the text did not wrap.
MEASURE = """cells => cells.map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
  const style = getComputedStyle(cell);
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
  return {text: cell.textContent.trim(), lines: lines.size, height: range.getBoundingClientRect().height, lineHeight};
})"""


def _world():
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, district, code="520115001001")
    user = make_member(community, Role.STAFF, "e2e-layout")
    user.set_password(PASSWORD)
    user.save()
    today = timezone.localdate()
    # Long names and summaries squeeze the columns, as a real register does.
    for n in range(12):
        make_activity(
            community,
            today - timedelta(days=3 * n),
            "宣讲",
            title=f"民族团结进步创建政策宣讲暨石榴籽家园志愿服务进楼栋活动第{n + 1}场",
            place="碧海社区党群服务中心三楼多功能活动室",
            participants=120 + n,
            minority_participants=30,
            people_reached=600,
        )
    statuses = [PetitionStatus.REGISTERED, PetitionStatus.ACCEPTED, PetitionStatus.CLOSED, PetitionStatus.EXTENDED]
    for n in range(12):
        make_petition(
            community,
            status=statuses[n % len(statuses)],
            received_on=today - timedelta(days=2 * n),
            summary="小区电梯长期故障多次报修未果，要求物业公司尽快维修并公开维修资金使用情况" * 2,
            assigned_department="观山湖区住房和城乡建设局物业管理科",
        )
    return community


def _shot(page, directory, name):
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


@pytest.mark.django_db(transaction=True)
def test_phone_menu_button_toggles_the_navigation_and_filters_start_folded(page, tmp_path):
    _world()
    page.set_viewport_size(PHONE)
    login(page, "e2e-layout", PASSWORD)
    page.goto(f"{page.live_server_url}/activities/")
    page.wait_for_load_state("networkidle")

    button = page.locator("button.nav-toggle")
    menu = page.locator("#site-menu")
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    # The folded header leaves the list near the top: under 120 px where the open menu took about 230.
    assert page.locator("header.site-header").bounding_box()["height"] < 120
    _shot(page, tmp_path, "phone-activities-menu-closed")

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    assert page.locator("nav.site-nav >> text=信访与纠纷").is_visible()
    _shot(page, tmp_path, "phone-navigation-open")
    # Escape closes it again and gives the focus back to the button; Enter on the button opens it.
    page.locator("nav.site-nav a").first.focus()
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    button.click()
    assert not menu.is_visible()

    # The filters are folded into a 筛选 panel: the table comes before any filter field.
    panel = page.locator("details.filter-panel")
    assert panel.evaluate("d => d.open") is False
    assert page.locator("details.filter-panel > summary").inner_text().startswith("筛选")
    assert not page.locator("form.filters").is_visible()
    assert page.locator("table.activity-list").bounding_box()["y"] < 300
    page.click("details.filter-panel > summary")
    assert page.locator("form.filters").is_visible()
    _shot(page, tmp_path, "phone-activities-filters-open")

    page.goto(f"{page.live_server_url}/petitions/")
    page.wait_for_load_state("networkidle")
    assert page.locator("details.filter-panel").evaluate("d => d.open") is False
    _shot(page, tmp_path, "phone-petitions")
    for name in ("phone-activities-menu-closed", "phone-navigation-open", "phone-petitions"):
        assert (tmp_path / f"{name}.png").exists()


@pytest.mark.django_db(transaction=True)
def test_desk_lists_keep_dates_and_status_tags_on_one_line(page, tmp_path):
    _world()
    page.set_viewport_size(DESK)
    login(page, "e2e-layout", PASSWORD)

    # On a desk the menu is simply there: no button, the filters open.
    page.goto(f"{page.live_server_url}/petitions/")
    page.wait_for_load_state("networkidle")
    assert not page.locator("button.nav-toggle").is_visible()
    assert page.locator("nav.site-nav").is_visible()
    assert page.locator("form.filters").is_visible()
    _shot(page, tmp_path, "desk-navigation")

    cells = page.locator("table.petitions td[data-cell=date], table.petitions td[data-cell=status] .badge")
    measured = cells.evaluate_all(MEASURE)
    assert len(measured) == 24
    wrapped = [m for m in measured if m["lines"] != 1 or m["height"] >= 2 * m["lineHeight"]]
    assert not wrapped, wrapped
    due = page.locator("table.petitions td:last-child").evaluate_all(
        "cells => cells.map(c => c.firstChild && c.firstChild.nodeType === 3 ? c.firstChild.textContent.trim() : '')"
    )
    assert all(len(text) in (0, 1, 10) for text in due)  # "2026-12-01" whole, or "—"
    # A wide table scrolls inside its card; the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _shot(page, tmp_path, "desk-petitions")

    page.goto(f"{page.live_server_url}/activities/")
    page.wait_for_load_state("networkidle")
    measured = page.locator("table.activity-list td[data-cell=date]").evaluate_all(MEASURE)
    assert len(measured) == 12
    assert all(m["lines"] == 1 and m["height"] < 2 * m["lineHeight"] for m in measured), measured
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _shot(page, tmp_path, "desk-activities")
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "desk-activities.png",
        "desk-navigation.png",
        "desk-petitions.png",
    ]


@pytest.mark.django_db(transaction=True)
def test_keyboard_alone_skips_to_the_content_and_walks_the_form_in_order(page):
    _world()
    page.set_viewport_size(DESK)
    login(page, "e2e-layout", PASSWORD)
    page.goto(f"{page.live_server_url}/activities/new/")
    page.wait_for_load_state("networkidle")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0  # shown while focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    order = []
    page.focus("#id_jurisdiction")
    # A date input takes one Tab per part (year, month, day): count each field once, in the order reached.
    for _ in range(12):
        focused = page.evaluate("document.activeElement.id")
        if not order or order[-1] != focused:
            order.append(focused)
        page.keyboard.press("Tab")
    assert order[:6] == ["id_jurisdiction", "id_date", "id_category", "id_title", "id_place", "id_organiser"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


@pytest.mark.django_db(transaction=True)
def test_record_again_copies_into_a_new_form_dated_today(page):
    community = _world()
    source = Activity.objects.filter(jurisdiction=community).order_by("-date").last()
    page.set_viewport_size(DESK)
    login(page, "e2e-layout", PASSWORD)
    page.goto(f"{page.live_server_url}/activities/{source.pk}/")
    page.click("a[data-again]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "再记一次"
    assert page.locator("#id_title").input_value() == source.title
    assert page.locator("#id_place").input_value() == source.place
    assert page.locator("#id_date").input_value() == f"{timezone.localdate():%Y-%m-%d}"
    before = Activity.objects.count()
    # Two more weeks in the same form: three activities in one submission.
    page.click("details.repeat-fields > summary")
    page.fill("#id_weekly_until", f"{timezone.localdate() + timedelta(weeks=2):%Y-%m-%d}")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "共 3 次" in page.locator(".messages").inner_text()
    assert Activity.objects.count() == before + 3
    dates = sorted(Activity.objects.filter(title=source.title).exclude(pk=source.pk).values_list("date", flat=True))
    today = timezone.localdate()
    assert dates == [today, today + timedelta(weeks=1), today + timedelta(weeks=2)]
