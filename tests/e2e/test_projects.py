"""Browser test: on a phone, a village's staff records 篇4's housing project with a funding row added by the
"再加一行" button, sees what the cash leaves unnamed, and finds the totals by source on the list."""

import pytest

from activities.models import Project
from communities.choices import JurisdictionLevel, Role
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member

COMPANIES = "打厂沟煤矿、大炭沟煤矿、小河沟煤矿、打磨冲煤矿、xx省兴云煤矿"


@pytest.mark.django_db(transaction=True)
def test_staff_records_a_project_with_three_funding_rows_on_a_phone(page):
    town = make_jurisdiction("xx镇", JurisdictionLevel.TOWNSHIP, code="530000001000")
    village = make_jurisdiction("xx彝族村", JurisdictionLevel.VILLAGE, town, code="530000001001")
    user = make_member(village, Role.STAFF, "e2e-projects")
    user.set_password("E2e-pass-2024")
    user.save()
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, "e2e-projects", "E2e-pass-2024")
    page.goto(f"{page.live_server_url}/projects/new/")
    page.wait_for_load_state("networkidle")
    page.fill("#id_name", "一期安居房工程")
    page.select_option("#id_kind", label="安居")
    page.select_option("#id_status", label="实施中")
    page.fill("#id_year", "2024")
    page.fill("#id_total_investment", "2914.25")
    page.fill("#id_households_served", "313")
    page.fill("#id_persons_served", "1321")

    page.select_option("#id_fundings-0-source", label="上级拨款")
    page.fill("#id_fundings-0-amount", "1090")
    page.select_option("#id_fundings-1-source", label="企业捐资")
    page.fill("#id_fundings-1-funder", COMPANIES)
    page.fill("#id_fundings-1-amount", "1600")
    summary = page.locator("[data-funding-sum]")
    assert "未列明来源 224.25 万元" in summary.inner_text()

    # The form offers two rows; the third comes from the button, which only the script shows.
    assert page.locator("#id_fundings-2-source").count() == 0
    page.click("[data-add-funding]")
    page.select_option("#id_fundings-2-source", label="群众自筹")
    page.fill("#id_fundings-2-funder", "村民")
    page.check("#id_fundings-2-in_kind")
    page.fill("#id_fundings-2-description", "投工投劳")
    assert "未列明来源 224.25 万元" in summary.inner_text()

    # Too much cash is flagged while typing; the server would refuse it too.
    page.fill("#id_fundings-1-amount", "2000")
    assert "超过总投资" in summary.inner_text()
    page.fill("#id_fundings-1-amount", "1600")
    # Every row fits the phone's width: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # A full-page screenshot before this click would resize the page under it: it is taken on the list instead.
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")

    assert "已保存民生项目“一期安居房工程”" in page.content()
    project = Project.objects.get()
    assert list(project.fundings.order_by("pk").values_list("funder", "in_kind")) == [
        ("", False),
        (COMPANIES, False),
        ("村民", True),
    ]
    page.goto(f"{page.live_server_url}/projects/")
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-source='unspecified'] td.num").inner_text() == "224.25"
    assert page.locator("tfoot [data-figure='total_investment']").inner_text() == "2914.25"
    screenshot(page, "project-list-phone")
    assert page.outside_requests == []
    assert page.console_errors == []
