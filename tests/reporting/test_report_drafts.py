"""Report templates and drafts: the outline rules, which template and narrative a report uses, and the saves."""

import re
from io import BytesIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import SimpleTestCase, TestCase
from docx import Document

from base.periods import year_period
from communities.choices import JurisdictionLevel, Role
from communities.models import AuditEntry, Jurisdiction
from reporting.models import ReportDraft, ReportDraftVersion, ReportTemplate
from reporting.outline import (
    BASIC,
    HIGHLIGHTS,
    MEASURES,
    NEXT_STEPS,
    PROBLEMS,
    WORK,
    clean_narrative,
    default_outline,
    empty_narrative,
    outline_text,
    parse_outline,
    validate_outline,
)
from reporting.report import build_report, work_report
from reporting.report.content import DATA, HEADING, NARRATIVE, SIGNATURE, SUBHEADING
from reporting.report.docx import docx_bytes
from reporting.report.drafts import default_template, last_years_version, starting_point, template_for
from reporting.services import DraftConflict, report_draft_save, report_template_delete, report_template_save
from tests.factories import make_jurisdiction, make_member
from tests.reporting.test_report_content import dashboard
from tests.reporting.test_report_world import YEAR, bihai_world, street_world

# Seed 003 (篇1)'s own headings, an outline an office would type.
BIHAI_OUTLINE = (
    "基本情况\n"
    "工作开展情况：扎实开展民族工作，促进社区民族大团结\n"
    "工作措施：创建民族团结进步示范社区工作措施\n"
    "存在问题：社区目前民族团结工作存在问题"
)


def narrative(**values):
    return empty_narrative() | values


class OutlineTests(SimpleTestCase):
    def test_default_is_seed_1s_order(self):
        self.assertEqual([e["key"] for e in default_outline()], [BASIC, WORK, MEASURES, PROBLEMS, NEXT_STEPS])
        validate_outline(default_outline())

    def test_typed_outline_by_chinese_names_and_own_headings(self):
        outline = parse_outline(BIHAI_OUTLINE)
        self.assertEqual([e["key"] for e in outline], [BASIC, WORK, MEASURES, PROBLEMS])
        self.assertEqual(outline[1]["title"], "扎实开展民族工作，促进社区民族大团结")
        self.assertEqual(outline[0]["title"], "")
        validate_outline(outline)
        self.assertEqual(parse_outline(outline_text(outline)), outline)
        # Keys and an ASCII colon are read too.
        self.assertEqual(
            parse_outline("basic\nhighlights: 亮点"),
            [{"key": BASIC, "title": ""}, {"key": HIGHLIGHTS, "title": "亮点"}],
        )

    def test_bad_outlines_are_refused(self):
        cases = {
            "unknown": ([{"key": "praise", "title": ""}], "“praise”不是已知的部分"),
            "typed unknown": (parse_outline("基本情况\n工作成效"), "“工作成效”不是已知的部分"),
            "duplicate": ([{"key": BASIC, "title": ""}, {"key": BASIC, "title": "又一遍"}], "“基本情况”重复了"),
            "empty": ([], "汇报提纲至少要有一个部分"),
            "not a list": ("basic", "汇报提纲至少要有一个部分"),
        }
        for name, (outline, message) in cases.items():
            with self.subTest(name), self.assertRaisesMessage(ValidationError, message):
                validate_outline(outline)

    def test_narrative_is_cleaned(self):
        cleaned = clean_narrative(
            {"highlights": ["一是建立机制。", "  ", "（二）开展活动", "3、结对帮扶"], "problems": " 经验不足 "}
        )
        self.assertEqual(cleaned["highlights"], ["建立机制。", "开展活动", "结对帮扶"])
        self.assertEqual(cleaned["problems"], "经验不足")
        self.assertEqual(cleaned["overview"], "")

    def test_bad_narratives_are_refused(self):
        for value, message in [
            ({"praise": "x"}, "未知的部分：praise"),
            ({"highlights": [1, 2]}, "“工作亮点”应为若干条文字"),
            ({"problems": ["a"]}, "“存在问题”应为文字"),
            ({"highlights": ["x"] * 31}, "最多30条"),
            ("text", "草稿内容格式不正确"),
        ]:
            with self.subTest(value=str(value)[:30]), self.assertRaisesMessage(ValidationError, message):
                clean_narrative(value)


class TemplateInheritanceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
        cls.street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, cls.district, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001001")
        cls.other = make_jurisdiction("外区", JurisdictionLevel.DISTRICT, code="520199000000")

    def test_own_then_nearest_ancestor_then_default(self):
        self.assertIsNone(template_for(self.community).pk)
        self.assertEqual(template_for(self.community).outline, default_outline())
        ReportTemplate.objects.create(jurisdiction=self.district, title="区模板")
        self.assertEqual(template_for(self.community).title, "区模板")
        ReportTemplate.objects.create(jurisdiction=self.street, title="街道模板")
        self.assertEqual(template_for(self.community).title, "街道模板")
        ReportTemplate.objects.create(jurisdiction=self.community, title="社区模板")
        self.assertEqual(template_for(self.community).title, "社区模板")
        self.assertEqual(template_for(self.district).title, "区模板")
        self.assertIsNone(template_for(self.other).pk)

    def test_administrators_save_it_audited_others_are_refused(self):
        admin = make_member(self.street, Role.ADMIN)
        template = report_template_save(
            jurisdiction=self.community,
            title="{辖区}工作汇报",
            opening="",
            outline=parse_outline("基本情况\n存在问题"),
            signature="",
            actor=admin,
        )
        self.assertEqual(template_for(self.community), template)
        entry = AuditEntry.objects.for_object(template).get()
        self.assertEqual(entry.jurisdiction, self.community)
        self.assertEqual(entry.changes["title"], [None, "{辖区}工作汇报"])
        for role in (Role.LEADER, Role.STAFF):
            with self.subTest(role=role), self.assertRaises(PermissionDenied):
                report_template_save(
                    jurisdiction=self.community,
                    title="x",
                    opening="",
                    outline=default_outline(),
                    signature="",
                    actor=make_member(self.community, role),
                )
        with self.assertRaises(PermissionDenied):
            report_template_save(
                jurisdiction=self.other, title="", opening="", outline=default_outline(), signature="", actor=admin
            )
        self.assertTrue(report_template_delete(jurisdiction=self.community, actor=admin))
        self.assertIsNone(template_for(self.community).pk)
        self.assertEqual(AuditEntry.objects.filter(jurisdiction=self.community).count(), 2)

    def test_a_bad_outline_key_is_not_saved(self):
        admin = make_member(self.district, Role.ADMIN)
        with self.assertRaisesMessage(ValidationError, "“工作成效”不是已知的部分"):
            report_template_save(
                jurisdiction=self.street,
                title="",
                opening="",
                outline=parse_outline("基本情况\n工作成效"),
                signature="",
                actor=admin,
            )
        self.assertFalse(ReportTemplate.objects.exists())


class DraftSaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("中华街道", JurisdictionLevel.STREET, code="520103001000")
        cls.community = make_jurisdiction("东风社区", JurisdictionLevel.COMMUNITY, cls.street, code="520103001001")
        cls.sibling = make_jurisdiction("西湖社区", JurisdictionLevel.COMMUNITY, cls.street, code="520103001002")
        cls.staff = make_member(cls.community, Role.STAFF, "draft-staff")
        cls.period = year_period(YEAR)

    def save(self, text, actor=None, **extra):
        return report_draft_save(
            jurisdiction=self.community,
            period=self.period,
            narrative=narrative(highlights=text),
            actor=actor or self.staff,
            **extra,
        )

    def test_each_save_is_a_numbered_version_in_the_audit_trail(self):
        first = self.save(["建立机制"], base_number=0)
        second = self.save(["建立机制", "开展活动"], base_number=1)
        self.assertEqual((first.number, second.number), (1, 2))
        self.assertEqual(ReportDraft.objects.get().versions.count(), 2)
        self.assertEqual(second.author_name, "draft-staff")
        self.assertEqual(second.created_by, self.staff)
        entry = AuditEntry.objects.for_object(second).get()
        self.assertEqual(entry.jurisdiction, self.community)
        self.assertEqual(entry.user, self.staff)
        self.assertEqual(entry.changes, {"工作亮点": ["建立机制", "建立机制\n开展活动"]})
        self.assertIn("第2版", entry.note)

    def test_an_unchanged_save_adds_no_version(self):
        first = self.save(["建立机制"])
        self.assertEqual(self.save(["一是建立机制"]), first)
        self.assertEqual(ReportDraftVersion.objects.count(), 1)

    def test_a_save_over_a_newer_version_is_refused(self):
        self.save(["甲"], base_number=0)
        self.save(["乙"], base_number=1)
        with self.assertRaisesMessage(DraftConflict, "已保存了第2版"):
            self.save(["丙"], base_number=1)
        self.assertEqual(ReportDraftVersion.objects.count(), 2)

    def test_outside_the_subtree_or_without_write_refused(self):
        sibling_staff = make_member(self.sibling, Role.STAFF)
        auditor = make_member(self.street, Role.AUDITOR)
        for actor in (sibling_staff, auditor):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                self.save(["x"], actor=actor)
        self.assertFalse(ReportDraft.objects.exists())

    def test_leaders_above_may_save_too(self):
        leader = make_member(self.street, Role.LEADER)
        self.assertEqual(self.save(["街道领导修改"], actor=leader).number, 1)

    def test_bad_narrative_saves_nothing(self):
        with self.assertRaises(ValidationError):
            report_draft_save(
                jurisdiction=self.community, period=self.period, narrative={"praise": "x"}, actor=self.staff
            )
        self.assertFalse(ReportDraftVersion.objects.exists())

    def test_last_years_narrative_is_the_starting_point(self):
        self.assertEqual(starting_point(self.community, self.period).source, "plan")
        last = report_draft_save(
            jurisdiction=self.community,
            period=self.period.previous_year(),
            narrative=narrative(problems="去年的问题"),
            actor=self.staff,
        )
        start = starting_point(self.community, self.period)
        self.assertEqual((start.source, start.version), ("last_year", last))
        self.assertIn("上一年度（2025年）", start.note)
        self.assertEqual(start.narrative["problems"], "去年的问题")
        # Another place's drafts are never offered.
        self.assertIsNone(last_years_version(self.sibling, self.period))
        this_year = self.save(["今年"])
        start = starting_point(self.community, self.period)
        self.assertEqual((start.source, start.version), ("saved", this_year))

    def test_a_quarter_falls_back_to_any_draft_of_last_year(self):
        last = report_draft_save(
            jurisdiction=self.community,
            period=self.period.previous_year(),
            narrative=narrative(problems="去年全年"),
            actor=self.staff,
        )
        from base.periods import period_from_params

        quarter = period_from_params({"year": str(YEAR), "quarter": "2"})
        self.assertEqual(last_years_version(self.community, quarter), last)


class DraftContentTests(TestCase):
    """What the report prints from a template and a draft's narrative; the figures stay the records'."""

    @classmethod
    def setUpTestData(cls):
        cls.street = street_world()
        cls.board = dashboard(cls.street)

    def test_default_template_is_the_plain_report(self):
        self.assertEqual(build_report(self.board, template=default_template()).blocks, build_report(self.board).blocks)

    def test_highlights_are_numbered_and_replace_the_plans_words(self):
        content = build_report(self.board, narrative=narrative(highlights=["建立月调度机制", "开展“石榴籽”结对活动。"]))
        text = content.text
        self.assertIn("一是建立月调度机制。", text)
        self.assertIn("二是开展“石榴籽”结对活动。", text)
        # The plan's highlights, problems and next steps are the starting point only: a draft replaces them.
        self.assertNotIn("打造“石榴籽”民族文化宣传阵地", text)
        self.assertNotIn("参与度不足", text)
        self.assertNotIn("五、下一步工作打算", text)
        # The data sentences are the records', whatever the narrative says.
        self.assertIn("从工作台账看，责任分解表中有1条工作逾期未完成。", text)
        self.assertIn("实施民生项目1个（已完工1个）", text)
        paragraphs = [p.text for p in Document(BytesIO(docx_bytes(content))).paragraphs]
        self.assertIn("一是建立月调度机制。", paragraphs)
        self.assertIn("二是开展“石榴籽”结对活动。", paragraphs)

    def test_each_narrative_lands_in_its_section(self):
        content = build_report(
            self.board,
            narrative=narrative(
                overview="中华街道地处城区中心。",
                practices="加强领导，精心组织。",
                highlights=["亮点一"],
                problems="经验不足",
                next_steps="完善台账",
            ),
        )
        blocks = content.blocks
        self.assertEqual(blocks[0].text, "中华街道地处城区中心。")
        self.assertEqual(blocks[0].source, NARRATIVE)
        self.assertTrue(blocks[1].text.startswith("根据《中华街道创建民族团结进步示范街道工作方案》"))

        def section(heading):
            start = next(i for i, b in enumerate(blocks) if b.kind == HEADING and b.text.endswith(heading))
            end = next((i for i, b in enumerate(blocks) if i > start and b.kind == HEADING), len(blocks))
            return [b.text for b in blocks[start + 1 : end]]

        self.assertIn("加强领导，精心组织。", section("工作措施"))
        self.assertIn("一是亮点一。", section("工作开展情况"))
        self.assertIn("经验不足。", section("存在问题"))
        self.assertEqual(section("下一步工作打算")[0], "完善台账。")

    def test_a_section_with_neither_data_nor_text_prints_nothing(self):
        place = make_jurisdiction("新建社区", JurisdictionLevel.COMMUNITY, code="520199001001")
        empty = build_report(dashboard(place), narrative=narrative())
        self.assertEqual(empty.of_kind(HEADING), ["一、基本情况"])
        written = build_report(dashboard(place), narrative=narrative(next_steps="建立台账。"))
        self.assertEqual(written.of_kind(HEADING), ["一、基本情况", "二、下一步工作打算"])

    def test_template_sets_title_opening_outline_and_signature(self):
        template = ReportTemplate(
            title="{辖区}{期间}民族团结进步创建工作总结",
            opening="现将{辖区}工作总结如下：",
            outline=parse_outline("工作亮点：主要亮点\n基本情况\n存在问题"),
            signature="中共中华街道工作委员会\n中华街道办事处",
        )
        content = build_report(self.board, template=template, narrative=narrative(highlights=["甲", "乙"]))
        self.assertEqual(content.title, "中华街道2026年民族团结进步创建工作总结")
        self.assertEqual(content.blocks[0].text, "现将中华街道工作总结如下：")
        self.assertEqual(content.of_kind(HEADING), ["一、主要亮点", "二、基本情况", "三、存在问题"])
        # Listed on its own, 工作亮点 is no longer a subsection of the work done (which is left out here).
        self.assertNotIn("（六）工作亮点", content.of_kind(SUBHEADING))
        self.assertEqual(content.of_kind(SIGNATURE), ["中共中华街道工作委员会", "中华街道办事处"])
        document = Document(BytesIO(docx_bytes(content)))
        signed = [p for p in document.paragraphs if p.text in ("中共中华街道工作委员会", "中华街道办事处")]
        # Two blank lines above the signature block, none between its lines.
        self.assertEqual([p.paragraph_format.space_before.pt for p in signed], [56.0, 0.0])
        self.assertIn("一是甲。", content.text)
        self.assertNotIn("工作措施", content.text)

    def test_editing_puts_an_input_for_every_narrative_of_the_outline(self):
        place = make_jurisdiction("新建社区", JurisdictionLevel.COMMUNITY, code="520199001001")
        content = build_report(dashboard(place), narrative=narrative(), editing=True)
        fields = [b.text for b in content.blocks if b.kind == "field"]
        self.assertEqual(fields, ["overview", "highlights", "practices", "problems", "next_steps"])
        # Every section shows for writing in, even without data.
        self.assertEqual(
            content.of_kind(HEADING),
            ["一、基本情况", "二、工作开展情况", "三、工作措施", "四、存在问题", "五、下一步工作打算"],
        )


class SeedOneTests(TestCase):
    """篇1 (碧海社区): its outline and headings, its figures from data, its 一是…十是 from the draft."""

    def test_seed_ones_outline_is_reproduced(self):
        community = bihai_world()
        admin = make_member(Jurisdiction.objects.get(code="520115000000"), Role.ADMIN)
        staff = make_member(community, Role.STAFF)
        report_template_save(
            jurisdiction=community,
            title="创建民族团结进步示范社区情况工作汇报",
            opening="现将社区开展民族团结进步示范社区创建工作情况汇报如下：",
            outline=parse_outline(BIHAI_OUTLINE),
            signature="",
            actor=admin,
        )
        highlights = [
            "建立民族团结工作机制",
            "在元旦、春节、国庆期间加强对民族团结重要性的宣传",
            "经常组织社区义工、志愿者开展各种志愿服务",
            "充分尊重少数民族群众主体地位",
            "在中心便民服务大厅建立了少数民族服务窗口",
            "免费开办了“四点钟加油驿站”",
            "图书室专门设置了少数民族资料专区",
            "组建社区民族时装队、舞蹈队、腰鼓队、合唱队四支文艺队伍",
            "高度重视社区居民来信来访工作",
            "对少数民族居民反映的事情，都以高度的责任心接待处理",
        ]
        report_draft_save(
            jurisdiction=community,
            period=year_period(YEAR),
            narrative=narrative(
                overview="碧海社区服务中心自成立以来，始终坚持民族平等和民族团结的原则。",
                highlights=highlights,
                practices="加强领导，精心组织。",
                problems="一是社区成立的时间不长，在做好民族工作上经验不足。",
            ),
            actor=staff,
        )
        content = work_report(jurisdiction=community, period=year_period(YEAR))
        self.assertEqual(content.title, "创建民族团结进步示范社区情况工作汇报")
        self.assertEqual(
            content.of_kind(HEADING),
            [
                "一、基本情况",
                "二、扎实开展民族工作，促进社区民族大团结",
                "三、创建民族团结进步示范社区工作措施",
                "四、社区目前民族团结工作存在问题",
            ],
        )
        texts = [b.text for b in content.blocks]
        work = texts[
            texts.index("二、扎实开展民族工作，促进社区民族大团结") : texts.index(
                "三、创建民族团结进步示范社区工作措施"
            )
        ]
        numbered = [t for t in work if re.match("^[一二三四五六七八九十]+是", t)]
        self.assertEqual([t.split("是")[0] for t in numbered], list("一二三四五六七八九") + ["十"])
        self.assertEqual(numbered[9], "十是对少数民族居民反映的事情，都以高度的责任心接待处理。")
        text = content.text
        for figure in [
            "13017户、49613人",
            "1353人",
            "2.73%",
            "119人",
            "5户21人",
            "32895人次",
            "99.9%",
            "97.2%",
            "2409人次",
        ]:
            with self.subTest(figure=figure):
                self.assertIn(figure, text)
        # The data sentences are generated, never stored in the draft.
        stored = str(ReportDraftVersion.objects.get().narrative)
        self.assertNotIn("49613", stored)
        self.assertTrue(any(b.source == DATA and "49613" in b.text for b in content.blocks))
