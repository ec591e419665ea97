"""What a production site must have before it serves anyone: the keys the environment has to give it."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MESSAGES = {
    "DJANGO_SECRET_KEY": (
        "DJANGO_SECRET_KEY 未设置：DJANGO_DEBUG=0（生产环境）时必须提供密钥。"
        " DJANGO_SECRET_KEY is not set: with DJANGO_DEBUG=0 the site refuses to start on a development key."
        " Set it to a long random value, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        " (`make serve` generates one into .secret_key), or set DJANGO_DEBUG=1 on a development machine."
    ),
    "DJANGO_FIELD_KEY": (
        "DJANGO_FIELD_KEY must be set when DJANGO_DEBUG is off: it encrypts ID and phone numbers at rest"
        " (DJANGO_FIELD_KEY 未设置：生产环境必须提供个人信息加密密钥)."
    ),
}


def ensure_production_keys():
    """Refuse to serve while a production key is missing (called by the WSGI entry point and runserver)."""
    missing = getattr(settings, "MISSING_PRODUCTION_KEYS", [])
    if missing:
        raise ImproperlyConfigured(" ".join(MESSAGES[name] for name in missing))


@checks.register(checks.Tags.security, deploy=True)
def production_keys_check(app_configs, **kwargs):
    return [checks.Error(MESSAGES[name], id="unity.E001") for name in getattr(settings, "MISSING_PRODUCTION_KEYS", [])]
