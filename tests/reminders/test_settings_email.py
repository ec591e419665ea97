"""E-mail settings as a deployment sets them: the console by default, DJANGO_EMAIL_URL or EMAIL_* for a server."""

import json
import tempfile

from django.test import SimpleTestCase

from tests.unity.test_settings import production_env, run

PRINT_EMAIL = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'backend': s.EMAIL_BACKEND, 'host': getattr(s, 'EMAIL_HOST', ''), 'port': getattr(s, 'EMAIL_PORT', 0),"
    "'user': getattr(s, 'EMAIL_HOST_USER', ''), 'ssl': getattr(s, 'EMAIL_USE_SSL', False),"
    "'tls': getattr(s, 'EMAIL_USE_TLS', False), 'site': s.SITE_URL}))"
)


class EmailSettingsTests(SimpleTestCase):
    def _settings(self, **env):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(["-c", PRINT_EMAIL], production_env(tmp, **env))
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_console_by_default(self):
        found = self._settings()
        self.assertEqual(found["backend"], "django.core.mail.backends.console.EmailBackend")
        self.assertEqual(found["site"], "http://127.0.0.1:8000")

    def test_email_url(self):
        found = self._settings(
            DJANGO_EMAIL_URL="smtps://noreply%40gov.cn:pw@mail.gov.cn", DJANGO_SITE_URL="https://unity.gov.cn/"
        )
        self.assertEqual(
            (found["backend"], found["host"], found["port"], found["user"], found["ssl"], found["tls"]),
            ("django.core.mail.backends.smtp.EmailBackend", "mail.gov.cn", 465, "noreply@gov.cn", True, False),
        )
        self.assertEqual(found["site"], "https://unity.gov.cn")

    def test_the_usual_email_variables(self):
        found = self._settings(EMAIL_HOST="relay.gov.cn", EMAIL_PORT="587", EMAIL_USE_TLS="1")
        self.assertEqual((found["host"], found["port"], found["tls"]), ("relay.gov.cn", 587, True))
