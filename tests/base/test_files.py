from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.test import SimpleTestCase, override_settings

from activities.models import EvidenceFile
from base.files import protected_file_response


def field_file(name):
    return FieldFile(EvidenceFile(), EvidenceFile._meta.get_field("file"), name)


class ProtectedFileResponseTests(SimpleTestCase):
    def setUp(self):
        self.name = default_storage.save("evidence/2026/记录 1.pdf", ContentFile(b"%PDF-1.4 test"))

    @override_settings(MEDIA_ACCEL_PREFIX="")
    def test_without_nginx_django_sends_the_file(self):
        response = protected_file_response(field_file(self.name), as_attachment=True, filename="记录.pdf")
        self.assertIsInstance(response, FileResponse)
        self.assertEqual(b"".join(response.streaming_content), b"%PDF-1.4 test")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertNotIn("X-Accel-Redirect", response)

    @override_settings(MEDIA_ACCEL_PREFIX="/protected/")
    def test_with_nginx_only_the_internal_location_is_sent(self):
        response = protected_file_response(field_file(self.name), as_attachment=True, filename="记录.pdf")
        self.assertEqual(response.content, b"")
        self.assertEqual(response["X-Accel-Redirect"], "/protected/evidence/2026/%E8%AE%B0%E5%BD%95%201.pdf")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn("filename*=utf-8''%E8%AE%B0%E5%BD%95.pdf", response["Content-Disposition"])

    def test_a_missing_file_is_404_either_way(self):
        for prefix in ("", "/protected/"):
            with self.subTest(prefix=prefix), override_settings(MEDIA_ACCEL_PREFIX=prefix):
                with self.assertRaises(Http404):
                    protected_file_response(field_file("evidence/gone.pdf"))
                with self.assertRaises(Http404):
                    protected_file_response(field_file(""))
