"""The three hostile files, refused by an import page: a Chinese message, nothing written, no staged file left.

Each import's tests mix this in and say how to upload (`upload(name, data)`), what counts as written
(`written()`) and which session key holds its staged file (`session_key`).
"""

import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from base.staging import staging_dir
from communities.choices import AuditAction
from communities.models import AuditEntry
from tests.base.hostile_files import truncated_xlsx, write_million_row_csv, xlsx_bomb


class HostileUploadCases:
    session_key = None
    million_row_header = ("民族", "人数")

    def upload(self, file):
        raise NotImplementedError

    def written(self):
        raise NotImplementedError

    def staged_files(self):
        directory = staging_dir()
        return sorted(directory.iterdir()) if directory.exists() else []

    def assertRefused(self, file, *words):
        before = self.written()
        audited = AuditEntry.objects.exclude(action=AuditAction.IMPORT_REFUSED).count()
        refusals = AuditEntry.objects.filter(action=AuditAction.IMPORT_REFUSED).count()
        response = self.upload(file)
        self.assertEqual(response.status_code, 200)
        for word in words:
            self.assertContains(response, word)
        self.assertNotContains(response, "确认导入")
        self.assertEqual(self.written(), before)
        # Nothing written but the refusal itself, which the audit trail keeps (等保 wants failures audited too).
        self.assertEqual(AuditEntry.objects.exclude(action=AuditAction.IMPORT_REFUSED).count(), audited)
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.IMPORT_REFUSED).count(), refusals + 1)
        self.assertEqual(self.staged_files(), [])
        self.assertNotIn(self.session_key, self.client.session)

    def test_a_sheet_inflating_to_500_mb_is_refused(self):
        self.assertRefused(SimpleUploadedFile("bomb.xlsx", xlsx_bomb()), "解压后超过 100 MB", "压缩炸弹")

    def test_a_million_row_csv_is_refused(self):
        with tempfile.TemporaryDirectory() as directory:
            path = write_million_row_csv(Path(directory) / "million.csv", header=self.million_row_header)
            upload = SimpleUploadedFile("million.csv", path.read_bytes())
        self.assertRefused(upload, "表格超过 200000 行", "第200001行起")

    def test_a_truncated_xlsx_is_refused(self):
        self.assertRefused(SimpleUploadedFile("truncated.xlsx", truncated_xlsx()), "Excel 文件不完整或已损坏")
