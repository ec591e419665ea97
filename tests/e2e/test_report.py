"""Browser test: a leader opens the dashboard, previews the work report and downloads it as a .docx."""

import importlib

import pytest
from docx import Document

from activities.models import ActivityCategory, MonthlyFigure
from communities.choices import Role
from tests.e2e.conftest import login, screenshot
from tests.factories import make_member
from tests.reporting.test_report_world import YEAR, street_world


def ensure_reference_rows():
    """Put back the categories and figures migration 0002 creates (a transactional test's flush removes them)."""
    defaults = importlib.import_module("activities.migrations.0002_default_categories_and_figures")
    for order, (name, section) in enumerate(defaults.CATEGORIES, start=1):
        ActivityCategory.objects.get_or_create(name=name, defaults={"report_section": section, "order": order})
    for order, (code, name, unit, aggregation) in enumerate(defaults.FIGURES, start=1):
        MonthlyFigure.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "aggregation": aggregation, "order": order}
        )


@pytest.mark.django_db(transaction=True)
def test_leader_previews_and_downloads_the_work_report(page, tmp_path):
    ensure_reference_rows()
    street = street_world()
    leader = make_member(street, Role.LEADER, "e2e-report")
    leader.set_password("E2e-report-2026")
    leader.save()

    login(page, "e2e-report", "E2e-report-2026")
    page.goto(f"{page.live_server_url}/dashboard/{street.code}/?year={YEAR}")
    page.click("text=预览工作汇报")
    page.wait_for_load_state("networkidle")
    assert f"/reports/{street.code}/work-report/?year={YEAR}" in page.url
    title = page.locator("h1.report-title").inner_text()
    assert title.split("\n") == ["中华街道创建民族团结进步示范街道", "工作情况汇报"]
    headings = page.locator("h2.report-heading").all_inner_texts()
    assert headings[0] == "一、基本情况"
    assert headings[1] == "二、工作开展情况"
    assert headings[-1] == "五、下一步工作打算"
    assert "占常住人口总数的7.14%" in page.locator("article.report-paper").inner_text()
    screenshot(page, "report-preview")

    with page.expect_download() as info:
        page.click("#download-docx")
    download = info.value
    assert download.suggested_filename == "中华街道创建民族团结进步示范街道工作情况汇报（2026年）.docx"
    saved = tmp_path / "report.docx"
    download.save_as(saved)
    texts = [p.text for p in Document(str(saved)).paragraphs]
    assert "一、基本情况" in texts
    assert any("占常住人口总数的7.14%" in t for t in texts)

    assert page.outside_requests == []
    assert page.console_errors == []
