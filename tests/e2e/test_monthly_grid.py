"""Browser test: a street's staff fill one month for its communities in the grid, see a rule broken in a cell
as they type, fix it, save every row, and submit one community's return."""

import pytest

from activities.choices import ReturnStatus, RuleOperator
from activities.models import MonthlyFigure, MonthlyReturn, ValidationRule
from activities.selectors.monthly import filing_month
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_plans import make_figure
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member


@pytest.mark.django_db(transaction=True)
def test_street_staff_fill_the_grid_fix_a_flagged_cell_save_and_submit(page):
    MonthlyFigure.objects.update(is_active=False)
    received = make_figure("窗口接件", order=1)
    handled = make_figure("窗口已办理", order=2)
    rule = ValidationRule.objects.create(name="已办理不超过接件", operator=RuleOperator.LE)
    rule.left_figures.set([handled])
    rule.right_figures.set([received])
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, district, code="520115001000")
    bihai = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, street, code="520115001001")
    jinyuan = make_jurisdiction("金源社区", JurisdictionLevel.COMMUNITY, street, code="520115001002")
    user = make_member(street, Role.STAFF, "e2e-grid")
    user.set_password("E2e-pass-2024")
    user.save()
    month = filing_month().month

    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    login(page, "e2e-grid", "E2e-pass-2024")
    page.goto(f"{page.live_server_url}/monthly/{street.code}/{month:%Y-%m}/grid/")
    page.wait_for_selector("#entry-grid[data-ready]")
    first = page.locator(f'input[name="v_{bihai.pk}_{received.pk}"]')
    first.click()
    first.fill("50")
    page.keyboard.press("ArrowRight")
    page.keyboard.type("80")  # 已办理 80 > 接件 50: the cell is flagged while typing
    flagged = page.locator(f'input[name="v_{bihai.pk}_{handled.pk}"]')
    assert flagged.evaluate("el => document.activeElement === el")
    page.wait_for_selector(f'input[name="v_{bihai.pk}_{handled.pk}"].violation')
    assert "已办理" in page.locator('tr[data-unit="520115001001"] .row-check').inner_text()
    screenshot(page, "monthly-grid-flagged")

    flagged.fill("40")
    page.wait_for_selector(f'input[name="v_{bihai.pk}_{handled.pk}"]:not(.violation)')
    assert page.locator('tr[data-unit="520115001001"] .row-check').inner_text() == ""
    page.keyboard.press("Enter")  # down to 金源社区's 已办理
    assert page.evaluate("document.activeElement.name") == f"v_{jinyuan.pk}_{handled.pk}"
    page.keyboard.type("10")
    page.locator(f'input[name="v_{jinyuan.pk}_{received.pk}"]').fill("12")
    assert page.locator('[data-total="0"]').inner_text() == "62"
    assert page.locator('[data-total="1"]').inner_text() == "50"
    page.click("form.monthly-entry-grid button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已保存2个单位的月报数据" in page.content()
    assert page.locator(f'input[name="v_{jinyuan.pk}_{received.pk}"]').input_value() == "12"
    screenshot(page, "monthly-grid-saved")

    page.click('tr[data-unit="520115001001"] >> text=上报')
    page.wait_for_load_state("networkidle")
    page.click("button:has-text('确认上报')")
    page.wait_for_load_state("networkidle")
    assert "已上报" in page.content()
    statuses = dict(MonthlyReturn.objects.values_list("jurisdiction__code", "status"))
    assert statuses == {"520115001001": ReturnStatus.SUBMITTED, "520115001002": ReturnStatus.DRAFT}
    assert page.console_errors == []
    assert page.outside_requests == []
