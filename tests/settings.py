"""Settings for the test suite: production settings with a test-only secret key and plain static storage.

The suite runs with DEBUG off, as production does; production refuses to start without DJANGO_SECRET_KEY, so
the suite supplies one here (and subprocesses inherit it) rather than weakening that refusal.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-never-used-outside-the-test-suite-0123456789")

from unity.settings import *  # noqa: E402, F403

# Templates render {% static %} without a collectstatic run; the manifest storage would refuse unhashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Whitenoise serves from the finders too, so browser tests need no collectstatic either.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
