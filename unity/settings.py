"""Settings for the ethnic-unity creation tracker, read from environment variables."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", default=False)
# Behind TLS (nginx terminates it and sets X-Forwarded-Proto): secure cookies, HSTS and the redirect to https.
HTTPS = env_bool("DJANGO_HTTPS", default=False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# Keys a production site must be given; the web server refuses to start while any is missing (unity/startup.py),
# and `check --deploy` fails. A command-line run (makemigrations, check, migrate) signs nothing that outlives it.
MISSING_PRODUCTION_KEYS = []
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105
    else:
        # Never a known key: anyone could forge sessions and password-reset tokens with it.
        MISSING_PRODUCTION_KEYS.append("DJANGO_SECRET_KEY")
        SECRET_KEY = secrets.token_urlsafe(50)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "axes",
    "csp",
    "django_filters",
    "communities",
    "activities",
    "summaries",
    "reporting",
    "reminders",
    "unity",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from collectstatic's folder, with far-future caching of the hashed names, before anything else.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "unity.middleware.SessionIdleTimeoutMiddleware",
    "unity.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "unity.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "unity.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "unity.context_processors.navigation",
                "reminders.context_processors.notifications",
            ],
            # Month and date labels in the reader's language ({{ month|month_label }}), on every page.
            "builtins": ["base.templatetags.periods"],
        },
    },
]

WSGI_APPLICATION = "unity.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one process writes. A write transaction that begins DEFERRED takes its lock
    # only at its first write and then fails at once ("database is locked") if another writer got there first;
    # begun IMMEDIATE it waits up to `timeout` seconds for the lock instead, so concurrent writers queue.
    # threads: a sort larger than the page cache is sorted by helper threads too (smaller ones as before). The
    # summaries' catch-up after each chunk of a province's census sorts 232,000 facts: 0.48-0.60 s a chunk alone,
    # 0.37-0.47 s with them (the statement, five runs each); 1.85-2.06 s of the first import, 1.64-1.98 s (stop 27).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA threads=2;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The dashboard cache holds plain data stamped with its subtree's version (reporting/freshness.py), shared by every
# server process: in the database by default (in files beside a SQLite database), in Redis (DJANGO_REDIS_URL) or
# memcached (DJANGO_MEMCACHED, host:port) when configured; each cold read computes once, not once per worker.
if os.environ.get("DJANGO_REDIS_URL"):
    _DASHBOARD_CACHE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["DJANGO_REDIS_URL"],
    }
elif os.environ.get("DJANGO_MEMCACHED"):
    _DASHBOARD_CACHE = {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": os.environ["DJANGO_MEMCACHED"],
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Beside the database file: a cache write must not take SQLite's one write lock, which an import may hold.
    _DASHBOARD_CACHE = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(Path(DATABASES["default"]["NAME"]).parent / "dashboard-cache"),
    }
else:
    _DASHBOARD_CACHE = {"BACKEND": "reporting.cache.DashboardDatabaseCache", "LOCATION": "unity_cache"}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "dashboard": {
        **_DASHBOARD_CACHE,
        "TIMEOUT": int(os.environ.get("DJANGO_DASHBOARD_CACHE_SECONDS", "86400")),
        "OPTIONS": {"MAX_ENTRIES": 5000}
        if _DASHBOARD_CACHE["BACKEND"].endswith(("DatabaseCache", "FileBasedCache"))
        else {},
    },
}
# A reader finding no figures while another process computes them waits this long before computing itself.
DASHBOARD_WAIT_SECONDS = float(os.environ.get("DJANGO_DASHBOARD_WAIT_SECONDS", "5"))

# GB/T 22239-2019 level 2 asks for complex passwords: 8 characters or more, of at least three classes.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "base.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "base.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

# django-axes counts failed logins on every page that authenticates (/login/ and /admin/login/ alike).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_LOCK_MINUTES", "15")))
# One user from one address: a colleague mistyping from the same office does not lock everybody out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "unity.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "unity.security.client_ip"
# Behind nginx every request comes from 127.0.0.1; the client is the address nginx appended to X-Forwarded-For.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", default=HTTPS)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed copies made by collectstatic, so browsers may cache them for a year.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded files are only ever served by views that check access. With nginx in front, set this to the internal
# location that maps onto MEDIA_ROOT (deploy/nginx-unity.conf: /protected/) and nginx sends the bytes.
MEDIA_ACCEL_PREFIX = os.environ.get("DJANGO_MEDIA_ACCEL", "")

# Bounds on every imported spreadsheet, overriding the defaults in base/spreadsheets/limits.py by field name,
# e.g. {"max_rows": 500_000}. Import uploads left in a preview are removed after STAGED_UPLOAD_MAX_AGE seconds.
SPREADSHEET_LIMITS = {}
STAGED_UPLOAD_MAX_AGE = 24 * 3600

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(8 * 3600)))
# Besides the absolute age, a session left alone this many seconds ends (unity.middleware).
SESSION_IDLE_TIMEOUT = int(os.environ.get("DJANGO_SESSION_IDLE", str(30 * 60)))

# Census files of a few thousand rows are normal; keep uploads bounded all the same.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

IMPORT_EXPORT_USE_TRANSACTIONS = True

# A month's return is due by this day of the following month; after it the month is still open, but late.
MONTHLY_RETURN_DUE_DAY = int(os.environ.get("DJANGO_MONTHLY_RETURN_DUE_DAY", "5"))
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# A load balancer's health check talks plain HTTP to the port it knows, even when the site redirects to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# An intranet host name can never be in the browsers' HSTS preload list, so the preload flag is not asked for.
# models.W039: summaries_total's unique key carries its value on PostgreSQL only (an index-only ranking read);
# SQLite keeps the key without it, as migration summaries.0006 leaves it, which is what the check warns about.
SILENCED_SYSTEM_CHECKS = ["security.W021", "models.W039"]

# No inline script or style anywhere: the templates load everything from static/, data travels through
# json_script (a <script type="application/json">, which browsers never execute).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],  # blob: previews of photos chosen for upload (activities.js)
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Rows one Excel export may hold (base/exports.py). Exports stream to disk, so this bounds time, not memory: a
# city-scale subtree (≈100k activities) fits; anything larger is refused with a message to narrow the filters.
EXPORT_MAX_ROWS = int(os.environ.get("DJANGO_EXPORT_MAX_ROWS", "200000"))

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    X_FRAME_OPTIONS = "DENY"

# Personal numbers are encrypted at rest (base/fields.py). DJANGO_FIELD_KEY holds Fernet keys, comma-separated: the
# first encrypts, all decrypt (rotation: README). Only a DEBUG site may fall back to the public development key.
from base.encryption import DEVELOPMENT_KEY, parse_keys  # noqa: E402

FIELD_ENCRYPTION_KEYS = parse_keys(os.environ.get("DJANGO_FIELD_KEY", ""))
if not FIELD_ENCRYPTION_KEYS:
    if DEBUG:
        FIELD_ENCRYPTION_KEYS = [DEVELOPMENT_KEY]
    else:
        # No key at all rather than a made-up one: reading or writing a personal number then fails, nothing is
        # encrypted under a key that is lost when the process ends.
        MISSING_PRODUCTION_KEYS.append("DJANGO_FIELD_KEY")

# Reminders (reminders/): e-mail through Django's framework, printed on the console unless a server is configured
# by DJANGO_EMAIL_URL (smtp://user:pass@host:587, smtps://...:465) or the usual EMAIL_* variables.
from base.email_url import parse_email_url  # noqa: E402

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
if os.environ.get("DJANGO_EMAIL_URL"):
    globals().update(parse_email_url(os.environ["DJANGO_EMAIL_URL"]))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "民族团结进步创建 <noreply@localhost>")
# Links in e-mails and robot messages point here (no request to take the host from when the timer runs).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Digest e-mails leave at the first run of `send_reminders` from this local hour on.
REMINDERS_DIGEST_HOUR = int(os.environ.get("DJANGO_REMINDERS_DIGEST_HOUR", "8"))
# Group robots: seconds per request, tries per message, seconds before the first retry (doubled each time).
REMINDERS_WEBHOOK_TIMEOUT = float(os.environ.get("DJANGO_WEBHOOK_TIMEOUT", "10"))
REMINDERS_WEBHOOK_ATTEMPTS = int(os.environ.get("DJANGO_WEBHOOK_ATTEMPTS", "3"))
REMINDERS_WEBHOOK_BACKOFF = float(os.environ.get("DJANGO_WEBHOOK_BACKOFF", "2"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
