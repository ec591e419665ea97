"""base/staging.py announces a file refused for its errors (`import_refused`), at the preview and the confirmation,
and nothing else: base imports no app, so the audit row is written by a receiver (communities.receivers)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase

from base import staging
from base.spreadsheets import ImportIssue, IssueList
from tests.base.test_staging import ValidPlan, request_with_session


class RefusedPlan:
    is_valid = False

    def __init__(self, count=3):
        self.issues = IssueList([ImportIssue(row, "人数", f"“secret{row}”不是数字") for row in range(count + 1, 1, -1)])


class ImportRefusedSignalTests(SimpleTestCase):
    def setUp(self):
        self.sent = []

        def listen(sender, **kwargs):
            self.sent.append({"sender": sender, **kwargs})

        staging.import_refused.connect(listen, dispatch_uid="test-listener", weak=False)
        self.addCleanup(staging.import_refused.disconnect, dispatch_uid="test-listener")

    def preview(self, plan, **kwargs):
        return staging.preview_upload(
            request_with_session(),
            "k",
            SimpleUploadedFile("人口.csv", b"x"),
            lambda s: plan,
            worth_keeping=lambda p: p.is_valid,
            **kwargs,
        )

    def test_a_refused_preview_is_announced_with_count_first_issue_what_and_place(self):
        place = object()
        _plan, staged = self.preview(RefusedPlan(), what="人口导入", place=place)
        self.assertIsNone(staged)
        (sent,) = self.sent
        self.assertEqual((sent["sender"], sent["key"], sent["filename"]), ("k", "k", "人口.csv"))
        self.assertEqual(sent["errors"], 3)
        self.assertEqual((sent["first_issue"].row, sent["first_issue"].column), (2, "人数"), "in reading order")
        self.assertEqual(sent["what"], "人口导入")
        self.assertIs(sent["place"], place)

    def test_the_place_may_be_read_from_the_plan(self):
        plan = RefusedPlan()
        self.preview(plan, place=lambda p: ("from", p))
        self.assertEqual(self.sent[0]["place"], ("from", plan))

    def test_an_accepted_file_is_not_announced(self):
        request = request_with_session()
        _plan, staged = staging.preview_upload(
            request, "k", SimpleUploadedFile("a.csv", b"x"), lambda s: ValidPlan(), worth_keeping=lambda p: True
        )
        staging.confirm_staged(request, "k", lambda s: ValidPlan(), lambda p: "written", token=staged.token)
        self.assertEqual(self.sent, [])

    def test_a_file_refused_at_the_confirmation_is_announced(self):
        request = request_with_session()
        _plan, staged = staging.preview_upload(
            request, "k", SimpleUploadedFile("a.csv", b"x"), lambda s: ValidPlan(), worth_keeping=lambda p: True
        )
        plan, result = staging.confirm_staged(
            request, "k", lambda s: RefusedPlan(1), lambda p: "written", token=staged.token, what="台账导入"
        )
        self.assertIsNone(result)
        self.assertEqual([(s["errors"], s["what"], s["filename"]) for s in self.sent], [(1, "台账导入", "a.csv")])

    def test_nothing_staged_is_not_a_refusal(self):
        staging.confirm_staged(request_with_session(), "k", lambda s: RefusedPlan(), lambda p: 1, token="f" * 32)
        self.assertEqual(self.sent, [])
