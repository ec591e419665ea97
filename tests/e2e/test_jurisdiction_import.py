"""An administrator imports new communities of the jurisdiction tree through the browser, all or nothing."""

import pytest

from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry, Jurisdiction
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member

TREE_CSV = (
    "观山湖区新增社区（2026年）\n"
    "代码,名称,级别,上级代码\n"
    "520115001003,世纪城社区,社区,\n"
    "520115001004,美的林城社区,社区,520115001000\n"
)


@pytest.mark.django_db(transaction=True)
def test_admin_uploads_previews_confirms_and_sees_the_new_places(page, tmp_path):
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    make_jurisdiction("金华园街道", JurisdictionLevel.STREET, district, code="520115001000")
    admin = make_member(district, Role.ADMIN, "e2e-admin")
    admin.set_password("E2e-admin-2026")
    admin.save()
    tree = tmp_path / "辖区代码表.csv"
    tree.write_bytes(TREE_CSV.encode("gbk"))

    login(page, "e2e-admin", "E2e-admin-2026")
    page.click("text=导入辖区")
    page.set_input_files("input[type=file]", str(tree))
    page.click("button:has-text('上传并预览')")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-figure=new]").inner_text() == "2"
    assert page.locator("tr[data-status=new]").count() == 2
    assert not Jurisdiction.objects.filter(code="520115001003").exists()  # the preview writes nothing
    screenshot(page, "jurisdiction-import-preview")

    page.click("button:has-text('确认导入')")
    page.wait_for_load_state("networkidle")
    assert "已导入辖区：新增 2 个" in page.content()
    assert set(Jurisdiction.objects.filter(parent__code="520115001000").values_list("name", flat=True)) == {
        "世纪城社区",
        "美的林城社区",
    }
    # One row for the import (the sign-in through the login page is a row of its own).
    assert AuditEntry.objects.filter(user=admin, action=AuditAction.IMPORT).count() == 1
    assert AuditEntry.objects.filter(user=admin, action=AuditAction.LOGIN).count() == 1
    assert page.outside_requests == []
    assert page.console_errors == []
