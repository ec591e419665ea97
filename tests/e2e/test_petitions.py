"""A petition through its life in the browser: staff register it, accept it and close it as 化解."""

import pytest

from activities.models import Petition
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_petitions import ID_WITH_X
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member


@pytest.mark.django_db(transaction=True)
def test_staff_registers_accepts_and_closes_a_petition(page):
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, district, code="520115001001")
    user = make_member(community, Role.STAFF, "e2e-petition")
    user.set_password("E2e-pass-2024")
    user.save()

    login(page, "e2e-petition", "E2e-pass-2024")
    page.click("nav.site-nav >> text=信访与纠纷")
    page.click("text=登记新事项")
    page.select_option("#id_jurisdiction", label="碧海社区")
    page.select_option("#id_channel", label="来访")
    page.select_option("#id_category", label="城建物业")
    page.check("#id_ethnic_factor")
    page.fill("#id_summary", "小区电梯长期故障，要求物业维修")
    page.fill("#id_petitioner_name", "张三丰")
    page.fill("#id_phone", "13812345678")
    page.fill("#id_id_number", ID_WITH_X.lower())
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")

    assert page.locator("[data-status]").get_attribute("data-status") == "registered"
    assert page.locator("[data-personal=id_number]").inner_text() == "5201**********123X"
    assert "剩余15天" in page.locator(".deadline").inner_text()

    page.click("details[data-to-status=accepted] summary")
    page.fill("#id_accepted-assigned_department", "住建局")
    page.click("details[data-to-status=accepted] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-status]").get_attribute("data-status") == "accepted"
    assert "剩余60天" in page.locator(".deadline").inner_text()

    page.click("details[data-to-status=closed] summary")
    page.select_option("#id_closed-outcome", label="化解")
    page.fill("#id_closed-outcome_text", "物业已更换电梯主板，经回访群众满意")
    page.click("details[data-to-status=closed] button[type=submit]")
    page.wait_for_load_state("networkidle")

    assert page.locator("[data-status]").get_attribute("data-status") == "closed"
    assert page.locator("[data-outcome]").inner_text() == "化解"
    steps = page.locator("ol.timeline li").evaluate_all("items => items.map(li => li.dataset.step)")
    assert steps == ["registered", "accepted", "closed"]
    assert "已办理：办结" in page.content()
    assert ID_WITH_X not in page.content()
    screenshot(page, "petition-closed")

    petition = Petition.objects.get()
    assert (petition.status, petition.outcome, petition.petitioner_id_number) == ("closed", "resolved", ID_WITH_X)
    assert page.outside_requests == []
    assert page.console_errors == []
