"""Settings for the test run: production settings (DEBUG off) with a field key of the tests' own."""

import os

# A fixed key so that tests may compare tokens across processes (manage.py subprocesses inherit it).
os.environ.setdefault("DJANGO_FIELD_KEY", "dGVzdC1maWVsZC1rZXktMDAwMDAwMDAwMDAwMDAwMDA=")

from unity.settings import *  # noqa: E402, F403
