from django.test import SimpleTestCase

from base.email_url import EmailUrlError, parse_email_url


class EmailUrlTests(SimpleTestCase):
    def test_smtp_with_starttls_on_587(self):
        config = parse_email_url("smtp://robot%40gov.cn:p%40ss@mail.gov.cn:587")
        self.assertEqual(config["EMAIL_BACKEND"], "django.core.mail.backends.smtp.EmailBackend")
        self.assertEqual(
            (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]),
            ("mail.gov.cn", 587, "robot@gov.cn", "p@ss"),
        )
        self.assertEqual((config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]), (True, False))

    def test_smtps_is_implicit_tls_on_465(self):
        config = parse_email_url("smtps://u:p@mail.gov.cn")
        self.assertEqual((config["EMAIL_PORT"], config["EMAIL_USE_SSL"], config["EMAIL_USE_TLS"]), (465, True, False))

    def test_plain_smtp_on_25_and_a_timeout(self):
        config = parse_email_url("smtp://relay.local?timeout=5")
        self.assertEqual((config["EMAIL_PORT"], config["EMAIL_USE_TLS"], config["EMAIL_TIMEOUT"]), (25, False, 5))

    def test_console(self):
        self.assertEqual(
            parse_email_url("console://"), {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
        )

    def test_refusals(self):
        for url in ("http://mail.gov.cn", "smtp://", "smtp://host:port"):
            with self.subTest(url=url), self.assertRaises(EmailUrlError):
                parse_email_url(url)
