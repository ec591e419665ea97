"""A community worker brings last year's petition register in from Excel through the browser."""

import pytest

from activities.models import Petition
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_registers import PETITION_HEADER, id_number, petition_rows
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member, xlsx_bytes


@pytest.mark.django_db(transaction=True)
def test_staff_previews_a_petition_register_with_masked_id_numbers_and_confirms(page, tmp_path):
    street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, code="520115001000")
    make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, street, code="520115001001")
    community = make_jurisdiction("金源社区", JurisdictionLevel.COMMUNITY, street, code="520115001002")
    staff = make_member(community, Role.STAFF, "e2e-staff")
    staff.set_password("E2e-staff-2026")
    staff.save()
    register = tmp_path / "信访台账.xlsx"
    register.write_bytes(xlsx_bytes([["金源社区2024年信访登记台账"], PETITION_HEADER, *petition_rows(30)]))

    login(page, "e2e-staff", "E2e-staff-2026")
    page.goto(f"{page.live_server_url}/petitions/")
    page.click("text=导入台账")
    assert page.locator("#id_jurisdiction option").all_inner_texts() == ["金源社区（520115001002）"]
    page.set_input_files("input[type=file]", str(register))
    page.click("button:has-text('上传并预览')")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-figure=new]").inner_text() == "30"
    content = page.content()
    assert id_number(0) not in content
    assert id_number(0)[:4] + "*" * 10 + id_number(0)[-4:] in content
    assert Petition.objects.count() == 0  # the preview writes nothing
    screenshot(page, "petition-register-preview")

    page.click("button:has-text('确认导入')")
    page.wait_for_load_state("networkidle")
    assert "已导入：新增 30 条" in page.content()
    assert Petition.objects.filter(jurisdiction=community).count() == 30
    assert page.outside_requests == []
    assert page.console_errors == []
