"""A petition through its life in the browser: staff register it, accept it and close it as 化解; another
goes through an extension with its reason, a reply and a request for review (复查)."""

import pytest
from django.utils import timezone

from activities.models import Petition
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_petitions import ID_WITH_X
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member


def _staff_of_a_community():
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, district, code="520115001001")
    user = make_member(community, Role.STAFF, "e2e-petition")
    user.set_password("E2e-pass-2024")
    user.save()


def _status(page):
    return page.locator("[data-status]").get_attribute("data-status")


def _step(page, to_status, fields=None, select=None):
    """Open the step's panel on the detail page, fill it and confirm it."""
    panel = f"details[data-to-status={to_status}]"
    if page.locator(f"{panel}[open]").count() == 0:
        page.click(f"{panel} summary")
    for name, label in (select or {}).items():
        page.select_option(f"#id_{to_status}-{name}", label=label)
    for name, value in (fields or {}).items():
        page.fill(f"#id_{to_status}-{name}", value)
    page.click(f"{panel} button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_staff_registers_accepts_and_closes_a_petition(page):
    _staff_of_a_community()

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
    assert page.locator("[data-personal=name]").inner_text() == "张**"
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


@pytest.mark.django_db(transaction=True)
def test_staff_extend_a_petition_with_a_reason_reply_and_record_a_request_for_review(page):
    _staff_of_a_community()
    login(page, "e2e-petition", "E2e-pass-2024")
    page.click("nav.site-nav >> text=信访与纠纷")
    page.click("text=登记新事项")
    page.select_option("#id_jurisdiction", label="碧海社区")
    page.select_option("#id_channel", label="来信")
    page.select_option("#id_category", label="城建物业")
    page.fill("#id_summary", "小区地下管网漏水，涉及燃气、自来水多个单位")
    page.fill("#id_petitioner_name", "李四")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert _status(page) == "registered"

    _step(page, "accepted", {"assigned_department": "住建局"})
    assert _status(page) == "accepted"

    # An extension without its reason is refused on the page, with the panel left open and nothing changed.
    _step(page, "extended", {"extension_days": "20"})
    assert _status(page) == "accepted"
    reason = page.locator("details[data-to-status=extended][open] [data-field=extension_reason]")
    assert "必填" in reason.inner_text()
    _step(page, "extended", {"extension_days": "20", "extension_reason": "涉及燃气、供水多个单位，需联合勘察"})
    assert _status(page) == "extended"
    assert "剩余80天" in page.locator(".deadline").inner_text()
    facts = page.locator("section.card", has_text="办理情况").inner_text()
    assert "20天" in facts
    assert "涉及燃气、供水多个单位，需联合勘察" in facts
    # The one extension the regulation allows is used: the next step can only be closing.
    assert page.locator("details[data-to-status=extended]").count() == 0

    _step(page, "closed", {"outcome_text": "已出具处理意见，书面答复信访人"}, select={"outcome": "答复"})
    assert _status(page) == "closed"
    assert page.locator("[data-outcome]").inner_text() == "答复"

    _step(page, "review", {"note": "信访人对答复意见不服，请求复查"})
    assert _status(page) == "review"
    assert "剩余30天" in page.locator(".deadline").inner_text()
    requested = page.locator("div:has(> dt:text-is('申请复查日期')) > dd").inner_text()
    assert requested == f"{timezone.localdate():%Y-%m-%d}"
    assert page.locator("details[data-to-status=recheck]").count() == 1
    steps = page.locator("ol.timeline li").evaluate_all("items => items.map(li => li.dataset.step)")
    assert steps == ["registered", "accepted", "extended", "closed", "review"]
    assert "信访人对答复意见不服，请求复查" in page.locator("ol.timeline").inner_text()
    screenshot(page, "petition-review")

    petition = Petition.objects.get()
    assert (petition.status, petition.outcome, petition.extension_days) == ("review", "replied", 20)
    assert petition.extension_reason == "涉及燃气、供水多个单位，需联合勘察"
    assert petition.review_requested_on == timezone.localdate()
    assert page.outside_requests == []
    assert page.console_errors == []
