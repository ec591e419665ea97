"""Tests of the field key block in unity/settings.py: a production site refuses to start without DJANGO_FIELD_KEY."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[2]
PRINT_KEYS = "import django; django.setup(); from django.conf import settings; print(settings.FIELD_ENCRYPTION_KEYS)"


def start(code=PRINT_KEYS, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "unity.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class FieldKeySettingTests(SimpleTestCase):
    def test_debug_off_without_a_key_refuses_to_start(self):
        result = start(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, code="import unity.wsgi")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_FIELD_KEY must be set", result.stderr)

    def test_debug_off_without_a_key_encrypts_nothing(self):
        # A command run without the key fails where it needs it, and never encrypts under a key it made up.
        code = "import django; django.setup(); from base.encryption import encrypt; encrypt('520115199001011234')"
        result = start(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, code=code)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("No field encryption key: set DJANGO_FIELD_KEY", result.stderr)

    def test_debug_on_without_a_key_uses_the_development_key(self):
        from base.encryption import DEVELOPMENT_KEY

        result = start(DJANGO_DEBUG="1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), str([DEVELOPMENT_KEY]))

    def test_several_keys_are_read_in_order_and_a_bad_one_refused(self):
        first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        result = start(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_FIELD_KEY=f"{first}, {second}")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), str([first, second]))
        bad = start(DJANGO_DEBUG="1", DJANGO_FIELD_KEY="not-a-key")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("not a URL-safe base64 encoding of 32 bytes", bad.stderr)
