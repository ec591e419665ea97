"""Production settings: run as a process, the way the server starts, with the environment a deployment sets."""

import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import skipUnless

from django.db import connection
from django.test import SimpleTestCase

BASE_DIR = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'debug': s.DEBUG, 'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
    "'hsts': s.SECURE_HSTS_SECONDS, 'redirect': s.SECURE_SSL_REDIRECT, 'proxy': s.SECURE_PROXY_SSL_HEADER,"
    "'idle': s.SESSION_IDLE_TIMEOUT, 'options': s.DATABASES['default'].get('OPTIONS', {})}))"
)


def production_env(tmp, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))  # nothing from the test run leaks in
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "unity.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


START_THE_SITE = ["-c", "import unity.wsgi"]  # what gunicorn does first


class SecretKeyTests(SimpleTestCase):
    def test_debug_off_without_a_secret_key_refuses_to_start(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(START_THE_SITE, production_env(tmp, DJANGO_SECRET_KEY=None))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ImproperlyConfigured", result.stderr)
        self.assertIn("DJANGO_SECRET_KEY 未设置", result.stderr)

    def test_an_empty_secret_key_is_refused_too(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(START_THE_SITE, production_env(tmp, DJANGO_SECRET_KEY=""))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY", result.stderr)

    def test_runserver_refuses_too(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(["manage.py", "runserver", "--noreload"], production_env(tmp, DJANGO_SECRET_KEY=None))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY 未设置", result.stderr)

    def test_schema_commands_run_without_keys_and_the_deploy_check_names_them(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = production_env(tmp, DJANGO_SECRET_KEY=None, DJANGO_FIELD_KEY=None)
            migrations = run(["manage.py", "makemigrations", "--check", "--dry-run"], env)
            deploy = run(["manage.py", "check", "--deploy"], env)
        self.assertEqual(migrations.returncode, 0, migrations.stderr)
        self.assertNotEqual(deploy.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY 未设置", deploy.stderr)
        self.assertIn("DJANGO_FIELD_KEY must be set", deploy.stderr)

    def test_debug_on_runs_on_the_development_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(["manage.py", "check"], production_env(tmp, DJANGO_SECRET_KEY=None, DJANGO_DEBUG="1"))
        self.assertEqual(result.returncode, 0, result.stderr)


class DeployCheckTests(SimpleTestCase):
    def test_check_deploy_passes_with_production_settings(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(
                ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                production_env(tmp, DJANGO_HTTPS="1", DJANGO_ALLOWED_HOSTS="unity.example.gov.cn"),
            )
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        self.assertIn("no issues", result.stdout)

    def test_without_https_the_deploy_check_names_the_insecure_cookies(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("security.W012", result.stderr)


class HttpsSettingsTests(SimpleTestCase):
    def settings_under(self, **env):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(["-c", PRINT_SETTINGS], production_env(tmp, **env))
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_https_turns_on_secure_cookies_hsts_redirect_and_the_proxy_header(self):
        values = self.settings_under(DJANGO_HTTPS="1")
        self.assertTrue(values["session_secure"])
        self.assertTrue(values["csrf_secure"])
        self.assertTrue(values["redirect"])
        self.assertGreaterEqual(values["hsts"], 31536000)
        self.assertEqual(values["proxy"], ["HTTP_X_FORWARDED_PROTO", "https"])

    def test_plain_http_keeps_cookies_usable(self):
        values = self.settings_under(DJANGO_HTTPS="0")
        self.assertFalse(values["session_secure"])
        self.assertFalse(values["redirect"])
        self.assertEqual(values["hsts"], 0)

    def test_idle_timeout_defaults_to_30_minutes_and_is_configurable(self):
        self.assertEqual(self.settings_under()["idle"], 1800)
        self.assertEqual(self.settings_under(DJANGO_SESSION_IDLE="600")["idle"], 600)

    def test_sqlite_writers_begin_immediate_in_wal_mode(self):
        options = self.settings_under()["options"]
        self.assertEqual(options["transaction_mode"], "IMMEDIATE")
        self.assertIn("journal_mode=WAL", options["init_command"])


class SqliteConnectionTests(SimpleTestCase):
    databases = {"default"}

    @skipUnless(connection.vendor == "sqlite", "SQLite's own setting")
    def test_a_connection_sorts_large_results_with_helper_threads(self):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA threads")
            self.assertEqual(cursor.fetchone()[0], 2)
