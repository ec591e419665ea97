"""Read an e-mail server address such as `smtp://user:pass@host:587` into Django's EMAIL_* settings.

Small on purpose (one environment variable, as DATABASE_URL is): smtp:// (STARTTLS with ?tls=1, the default on
port 587), smtps:// (implicit TLS, port 465 by default), console:// (print the messages), locmem:// (tests).
User and password may be percent-encoded (a password with "@" in it).
"""

from urllib.parse import parse_qs, unquote, urlsplit

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


class EmailUrlError(ValueError):
    """An e-mail URL that cannot be read."""


def parse_email_url(url):
    """Return the EMAIL_* settings that `url` describes."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise EmailUrlError(f"DJANGO_EMAIL_URL: unknown scheme {scheme!r}; use one of {', '.join(sorted(BACKENDS))}.")
    config = {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme not in ("smtp", "smtps"):
        return config
    if not parts.hostname:
        raise EmailUrlError("DJANGO_EMAIL_URL: the server's host name is missing, e.g. smtp://user:pass@host:587.")
    try:
        port = parts.port
    except ValueError as exc:
        raise EmailUrlError("DJANGO_EMAIL_URL: the port is not a number.") from exc
    query = {key.lower(): values[-1] for key, values in parse_qs(parts.query).items()}
    implicit_tls = scheme == "smtps" or query.get("ssl") in ("1", "true")
    port = port or (465 if implicit_tls else 25)
    config.update(
        {
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port,
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": implicit_tls,
            # STARTTLS on the submission port unless the address says otherwise; never with implicit TLS.
            "EMAIL_USE_TLS": not implicit_tls and query.get("tls", "1" if port == 587 else "0") in ("1", "true"),
        }
    )
    if "timeout" in query:
        config["EMAIL_TIMEOUT"] = int(query["timeout"])
    return config
