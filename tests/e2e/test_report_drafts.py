"""Browser test: a leader previews the work report, edits the 工作亮点 list, saves, and downloads the saved version."""

import pytest
from docx import Document

from communities.choices import Role
from tests.e2e.conftest import login, screenshot
from tests.e2e.test_report import ensure_reference_rows
from tests.factories import make_member
from tests.reporting.test_report_world import YEAR, street_world


@pytest.mark.django_db(transaction=True)
def test_leader_edits_the_highlights_saves_and_downloads_the_version(page, tmp_path):
    ensure_reference_rows()
    street = street_world()
    leader = make_member(street, Role.LEADER, "e2e-drafts")
    leader.set_password("E2e-drafts-2026")
    leader.save()

    login(page, "e2e-drafts", "E2e-drafts-2026")
    page.goto(f"{page.live_server_url}/dashboard/{street.code}/?year={YEAR}")
    page.click("text=预览工作汇报")
    page.wait_for_load_state("networkidle")
    assert f"/reports/{street.code}/work-report/?year={YEAR}" in page.url
    assert "本期尚未保存草稿" in page.locator("#history").inner_text()

    # The plan's highlight is offered as the first item; the spare second one is filled, a third is added.
    items = page.locator("[data-narrative=highlights] textarea")
    assert items.first.input_value() == "打造“石榴籽”民族文化宣传阵地。"
    items.first.fill("建立月调度机制，专题研究创建工作")
    items.nth(1).fill("开展“石榴籽”结对帮扶活动")
    page.click("[data-narrative=highlights] [data-add-item]")
    assert page.locator("[data-narrative=highlights] [data-item-number]").all_inner_texts() == ["一是", "二是", "三是"]
    items.nth(2).fill("组建四支民族文艺队伍")
    # Removing the second renumbers the rest.
    page.locator("[data-narrative=highlights] [data-remove-item]").nth(1).click()
    assert page.locator("[data-narrative=highlights] [data-item-number]").all_inner_texts() == ["一是", "二是"]
    # The figures are text, not inputs.
    assert "占常住人口总数的7.14%" in page.locator("article.report-paper").inner_text()
    screenshot(page, "report-draft-edit")

    page.click("#save-draft")
    page.wait_for_load_state("networkidle")
    assert "已保存草稿第1版" in page.locator(".messages").inner_text()
    history = page.locator("#history tbody tr")
    assert history.count() == 1
    assert "第1版" in history.first.inner_text()
    assert "e2e-drafts" in history.first.inner_text()
    assert "正在编辑第1版" in page.locator("#draft-status").inner_text()
    screenshot(page, "report-draft-saved")

    with page.expect_download() as info:
        history.first.locator("[data-version-docx]").click()
    download = info.value
    assert download.suggested_filename.endswith("（第1版）.docx")
    saved = tmp_path / "v1.docx"
    download.save_as(saved)
    texts = [p.text for p in Document(str(saved)).paragraphs]
    assert "一是建立月调度机制，专题研究创建工作。" in texts
    assert "二是组建四支民族文艺队伍。" in texts
    assert not any("开展“石榴籽”结对帮扶活动" in t for t in texts)
    assert any("占常住人口总数的7.14%" in t for t in texts)

    # On a phone the page still fits: no sideways scrolling.
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "report-draft-phone")

    assert page.outside_requests == []
    assert page.console_errors == []
