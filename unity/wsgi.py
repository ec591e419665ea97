"""WSGI entry point: refuses to start a production site that lacks its keys."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
application = get_wsgi_application()

from unity.startup import ensure_production_keys  # noqa: E402  (settings are loaded now)

ensure_production_keys()
