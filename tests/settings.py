"""Settings for the test suite: production settings with test-only secret and field keys and plain static storage.

The suite runs with DEBUG off, as production does; production refuses to start without DJANGO_SECRET_KEY, so
the suite supplies one here (and subprocesses inherit it) rather than weakening that refusal.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-never-used-outside-the-test-suite-0123456789")
# Likewise the key that encrypts personal numbers: fixed, so tests may compare tokens across processes.
os.environ.setdefault("DJANGO_FIELD_KEY", "dGVzdC1maWVsZC1rZXktMDAwMDAwMDAwMDAwMDAwMDA=")

from unity.settings import *  # noqa: E402, F403

# Templates render {% static %} without a collectstatic run; the manifest storage would refuse unhashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Whitenoise serves from the finders too, so browser tests need no collectstatic either.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Each test process keeps its dashboard cache in memory (tests clear it between tests, tests/conftest.py); the
# tests of sharing across processes switch to the database cache themselves.
CACHES = {**CACHES, "dashboard": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dashboard"}}  # noqa: F405
