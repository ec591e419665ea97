"""A new administrator imports the statistics bureau's spreadsheet through the browser and sees the composition."""

import pytest

from communities.choices import JurisdictionLevel, Role
from communities.models import PopulationRecord
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member

# A wide layout as yearbooks print it, with a title row, in GBK as the statistics office saves it.
CENSUS_CSV = (
    "观山湖区2025年各社区分民族人口统计表\n"
    "统计用区划代码,地区,常住人口,户数,汉族,苗族,布依族,土家族\n"
    '520115001001,碧海社区,"49,613",13017,48260,500,453,400\n'
    "520115001002,金源社区,12000,3600,11500,300,150,50\n"
    '合计,,"61,613",16617,59760,800,603,450\n'
)


@pytest.mark.django_db(transaction=True)
def test_admin_uploads_previews_confirms_and_sees_the_composition(page, tmp_path):
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, district, code="520115001000")
    make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, street, code="520115001001")
    make_jurisdiction("金源社区", JurisdictionLevel.COMMUNITY, street, code="520115001002")
    admin = make_member(district, Role.ADMIN, "e2e-admin")
    admin.set_password("E2e-admin-2026")
    admin.save()
    census = tmp_path / "人口统计表.csv"
    census.write_bytes(CENSUS_CSV.encode("gbk"))

    login(page, "e2e-admin", "E2e-admin-2026")
    page.click("text=导入人口统计表")
    page.set_input_files("input[type=file]", str(census))
    page.fill("input[name=year]", "2025")
    page.click("button:has-text('上传并预览')")
    page.wait_for_load_state("networkidle")
    assert "确认导入" in page.content()
    assert PopulationRecord.objects.count() == 0  # the preview writes nothing
    screenshot(page, "census-preview")

    page.click("button:has-text('确认导入')")
    page.wait_for_load_state("networkidle")
    assert "已导入" in page.content()
    assert PopulationRecord.objects.filter(year=2025).count() == 2

    page.goto(f"{page.live_server_url}/jurisdictions/520115001001/?year=2025")
    assert page.locator("[data-figure=population]").inner_text() == "49613"
    assert page.locator("[data-figure=minority_total]").inner_text() == "1353"
    assert page.locator("[data-figure=minority_share]").inner_text() == "2.73%"
    screenshot(page, "census-composition")
    assert page.outside_requests == []
    assert page.console_errors == []
