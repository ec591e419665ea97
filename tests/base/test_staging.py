"""base/staging.py: where an upload waits between preview and confirmation, and when it goes."""

import os
import time
from io import StringIO

from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory, SimpleTestCase

from base import staging


def request_with_session():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    return request


def age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


class ValidPlan:
    is_valid = True


class StagingTests(SimpleTestCase):
    def files(self):
        directory = staging.staging_dir()
        return sorted(p.name for p in directory.iterdir()) if directory.exists() else []

    def test_an_upload_is_stored_under_a_random_name_with_its_extension(self):
        staged = staging.stage_upload(SimpleUploadedFile("../../人口 2024.CSV", b"a,b\n"), year=2024)
        self.assertEqual(staged.path.parent, staging.staging_dir())
        self.assertEqual(staged.path.name, f"{staged.token}.csv")
        self.assertEqual(staged.filename, "人口 2024.CSV")
        self.assertEqual(staged.extra, {"year": 2024})
        self.assertEqual(staged.path.read_bytes(), b"a,b\n")

    def test_paths_are_rebuilt_from_checked_parts(self):
        with self.assertRaises(ValueError):
            staging.staged_path("../../etc/passwd", ".csv")
        token = "0" * 32
        self.assertEqual(staging.staged_path(token, "/../x.py").name, token)

    def test_preview_keeps_a_file_worth_confirming_and_confirm_removes_it(self):
        request = request_with_session()
        plan, staged = staging.preview_upload(
            request, "k", SimpleUploadedFile("a.csv", b"x"), lambda s: ValidPlan(), worth_keeping=lambda p: True
        )
        self.assertTrue(staged.exists())
        self.assertEqual(request.session["k"]["token"], staged.token)
        plan, result = staging.confirm_staged(
            request, "k", lambda s: ValidPlan(), lambda p: "written", token=staged.token
        )
        self.assertEqual(result, "written")
        self.assertEqual(self.files(), [])
        self.assertNotIn("k", request.session)

    def test_a_refused_or_failing_read_leaves_no_file(self):
        request = request_with_session()
        plan, staged = staging.preview_upload(
            request, "k", SimpleUploadedFile("a.csv", b"x"), lambda s: ValidPlan(), worth_keeping=lambda p: False
        )
        self.assertIsNone(staged)
        self.assertEqual(self.files(), [])

        def explode(staged):
            raise RuntimeError("reader failed")

        with self.assertRaises(RuntimeError):
            staging.preview_upload(request, "k", SimpleUploadedFile("a.csv", b"x"), explode, worth_keeping=bool)
        self.assertEqual(self.files(), [])
        self.assertNotIn("k", request.session)

    def test_a_new_upload_replaces_the_previous_one(self):
        request = request_with_session()
        first = staging.stage_upload(SimpleUploadedFile("a.csv", b"1"))
        staging.remember(request, "k", first)
        _plan, second = staging.preview_upload(
            request, "k", SimpleUploadedFile("b.csv", b"2"), lambda s: ValidPlan(), worth_keeping=lambda p: True
        )
        self.assertEqual(self.files(), [second.path.name])

    def test_confirm_refuses_another_token_or_other_values_and_removes_the_file(self):
        request = request_with_session()
        staged = staging.stage_upload(SimpleUploadedFile("a.csv", b"1"), plan=1)
        for token, expected in (("f" * 32, {"plan": 1}), (staged.token, {"plan": 2})):
            with self.subTest(token=token, expected=expected):
                staging.remember(request, "k", staged)
                self.assertIsNone(staging.recall(request, "k", token=token, **expected))
        staging.remember(request, "k", staged)
        self.assertEqual(staging.recall(request, "k", token=staged.token, plan=1), staged)
        plan, result = staging.confirm_staged(request, "k", lambda s: ValidPlan(), lambda p: 1, token="f" * 32)
        self.assertEqual((plan, result), (None, None))
        self.assertEqual(self.files(), [])

    def test_a_session_value_of_another_shape_is_ignored(self):
        request = request_with_session()
        request.session["k"] = {"path": "imports/x.csv"}
        self.assertIsNone(staging.recall(request, "k"))
        staging.forget(request, "k")
        self.assertNotIn("k", request.session)

    def test_files_older_than_a_day_are_purged_on_the_next_upload(self):
        old = staging.stage_upload(SimpleUploadedFile("old.csv", b"1"))
        recent = staging.stage_upload(SimpleUploadedFile("recent.csv", b"2"))
        age(old.path, 25 * 3600)
        age(recent.path, 23 * 3600)
        new = staging.stage_upload(SimpleUploadedFile("new.csv", b"3"))
        self.assertEqual(self.files(), sorted([recent.path.name, new.path.name]))

    def test_the_command_purges_what_was_never_confirmed(self):
        old = staging.stage_upload(SimpleUploadedFile("old.xlsx", b"1"))
        kept = staging.stage_upload(SimpleUploadedFile("kept.xlsx", b"2"))
        age(old.path, 2 * 24 * 3600)
        out = StringIO()
        call_command("purge_staged_uploads", stdout=out)
        self.assertIn("已删除 1 个超过 24 小时未确认的导入文件", out.getvalue())
        self.assertEqual(self.files(), [kept.path.name])
        call_command("purge_staged_uploads", "--max-age", "0", stdout=StringIO())
        self.assertEqual(self.files(), [])

    def test_the_command_runs_before_anything_was_staged(self):
        out = StringIO()
        call_command("purge_staged_uploads", stdout=out)
        self.assertIn("已删除 0 个", out.getvalue())
