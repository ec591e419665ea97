"""Group robots against a local HTTP server standing in for 企业微信 and 钉钉: exact payloads, the 钉钉 signature,
retries with back-off on a 500, and a failing robot that stops neither the other robots nor the e-mail."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote_plus, urlsplit

from django.core import mail
from django.test import TestCase, override_settings
from django.utils import timezone

from reminders import services, webhooks
from reminders.choices import Channel, DeliveryStatus, RobotPlatform
from reminders.models import Delivery, GroupRobot

from .world import PETITIONER, World

SECRET = "SECtest0123456789abcdef"


class FakeRobotServer:
    """Records every POST; answers each path with the status and JSON given in `answers` (default 200, errcode 0)."""

    def __init__(self):
        self.requests = []
        self.answers = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                parts = urlsplit(self.path)
                outer.requests.append(
                    {
                        "path": parts.path,
                        "query": parse_qs(parts.query),
                        "raw_query": parts.query,
                        "body": json.loads(body),
                        "content_type": self.headers["Content-Type"],
                    }
                )
                status, answer = outer.answers.get(parts.path, (200, {"errcode": 0, "errmsg": "ok"}))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def expected_sign(timestamp):
    digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class SignatureTests(TestCase):
    def test_dingtalk_signature_as_documented(self):
        # 钉钉 加签: HmacSHA256(secret, timestamp + "\n" + secret), Base64, then URL-encoded.
        robot = GroupRobot(
            platform=RobotPlatform.DINGTALK, url="https://oapi.dingtalk.com/robot/send?access_token=T", secret=SECRET
        )
        url = webhooks.signed_url(robot, timestamp_ms=1700000000000)
        self.assertEqual(
            url,
            "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000"
            f"&sign={quote_plus(expected_sign(1700000000000))}",
        )

    def test_wecom_has_no_signature(self):
        robot = GroupRobot(platform=RobotPlatform.WECOM, url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K")
        self.assertEqual(webhooks.signed_url(robot, timestamp_ms=1), robot.url)

    def test_a_dingtalk_secret_must_look_like_one(self):
        from django.core.exceptions import ValidationError

        robot = GroupRobot(platform=RobotPlatform.DINGTALK, secret="oops", name="x", url="https://example.cn/")
        with self.assertRaises(ValidationError):
            robot.clean()


@override_settings(
    REMINDERS_WEBHOOK_ATTEMPTS=3,
    REMINDERS_WEBHOOK_BACKOFF=0.01,
    REMINDERS_WEBHOOK_TIMEOUT=5,
    REMINDERS_DIGEST_HOUR=0,
    SITE_URL="https://unity.example.gov.cn",
)
class RobotDeliveryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World().everything_in_bihai()

    def _robots(self, server):
        wecom = GroupRobot.objects.create(
            jurisdiction=self.w.street,
            name="街道工作群",
            platform=RobotPlatform.WECOM,
            url=f"{server.url}/cgi-bin/webhook/send?key=wecom-key",
        )
        ding = GroupRobot.objects.create(
            jurisdiction=self.w.district,
            name="区民宗群",
            platform=RobotPlatform.DINGTALK,
            url=f"{server.url}/robot/send?access_token=ding-token",
            secret=SECRET,
        )
        return wecom, ding

    def _run(self, day):
        return services.reminders_send(today=day, now=timezone.make_aware(datetime(day.year, day.month, day.day, 9)))

    def test_the_payloads_and_the_signature(self):
        with FakeRobotServer() as server:
            self._robots(server)
            self._run(date(2026, 12, 6))
        wecom = [r for r in server.requests if r["path"] == "/cgi-bin/webhook/send"]
        ding = [r for r in server.requests if r["path"] == "/robot/send"]
        # Late returns (once a month) and overdue items (once a day), for each robot.
        self.assertEqual(len(wecom), 2)
        self.assertEqual(len(ding), 2)

        late = wecom[0]
        self.assertEqual(late["query"], {"key": ["wecom-key"]})
        self.assertEqual(late["content_type"], "application/json; charset=utf-8")
        self.assertEqual(set(late["body"]), {"msgtype", "markdown"})
        self.assertEqual(late["body"]["msgtype"], "markdown")
        self.assertEqual(set(late["body"]["markdown"]), {"content"})
        month_list = "https://unity.example.gov.cn/monthly/?jurisdiction=520115001000&month=2026-11"
        self.assertEqual(
            late["body"]["markdown"]["content"],
            "### 金华园街道：2个单位2026年11月的月报逾期未报\n"
            "上报期限12月5日已过，以下单位尚未上报：\n- 碧海社区\n- 金源社区\n\n"
            f"[查看详情]({month_list})",
        )

        signed = ding[0]
        self.assertEqual(signed["query"]["access_token"], ["ding-token"])
        timestamp = signed["query"]["timestamp"][0]
        self.assertEqual(signed["query"]["sign"], [expected_sign(int(timestamp))])
        # The raw query carries the URL-encoded signature, as 钉钉 documents.
        self.assertIn(f"sign={quote_plus(expected_sign(int(timestamp)))}", signed["raw_query"])
        self.assertEqual(set(signed["body"]), {"msgtype", "markdown"})
        self.assertEqual(signed["body"]["msgtype"], "markdown")
        self.assertEqual(signed["body"]["markdown"]["title"], "观山湖区：2个单位2026年11月的月报逾期未报")
        self.assertTrue(signed["body"]["markdown"]["text"].startswith("### 观山湖区：2个单位"))

        overdue = wecom[1]["body"]["markdown"]["content"]
        # Both cases are past their acceptance limit on the 6th (received 1 October and 20 November).
        self.assertEqual(
            overdue,
            "### 金华园街道超期事项：信访与纠纷2件，责任事项1项\n"
            "- 超过法定期限未办结的信访与矛盾纠纷：2件\n- 逾期未完成的责任分解事项：1项\n\n"
            "[查看详情](https://unity.example.gov.cn/dashboard/520115001000/)",
        )
        for request in server.requests:
            self.assertNotIn(PETITIONER, json.dumps(request["body"], ensure_ascii=False))

    def test_robots_post_once_per_occasion(self):
        with FakeRobotServer() as server:
            self._robots(server)
            self._run(date(2026, 12, 6))
            self._run(date(2026, 12, 6))
            first_day = len(server.requests)
            self._run(date(2026, 12, 7))
        self.assertEqual(first_day, 4)
        # The next day: the overdue digest again, the monthly late digest not.
        self.assertEqual(len(server.requests), 6)

    def test_a_robot_answering_500_is_retried_then_logged_and_the_email_still_goes(self):
        with FakeRobotServer() as server:
            server.answers["/cgi-bin/webhook/send"] = (500, {"errcode": -1})
            self._robots(server)
            with self.assertLogs("reminders.webhooks", level="WARNING") as logs:
                summary = self._run(date(2026, 12, 6))
        wecom = [r for r in server.requests if r["path"] == "/cgi-bin/webhook/send"]
        ding = [r for r in server.requests if r["path"] == "/robot/send"]
        self.assertEqual(len(wecom), 2 * 3, "each of the two messages tried three times")
        self.assertEqual(len(ding), 2, "the other robot is not held up")
        self.assertEqual(sum("HTTP 500" in line for line in logs.output), 6)
        self.assertEqual(sum("gave up after 3 tries" in line for line in logs.output), 2)
        self.assertNotIn("wecom-key", "\n".join(logs.output), "the log never shows the robot's key")
        self.assertEqual(summary.failed, 2)
        self.assertTrue(mail.outbox, "e-mail is sent all the same")
        self.assertEqual(Delivery.objects.filter(channel=Channel.ROBOT, status=DeliveryStatus.FAILED).count(), 2)

    def test_a_failed_message_is_tried_again_by_the_next_runs_a_bounded_number_of_times(self):
        with FakeRobotServer() as server:
            server.answers["/cgi-bin/webhook/send"] = (200, {"errcode": 45009, "errmsg": "api freq out of limit"})
            wecom, _ding = self._robots(server)
            GroupRobot.objects.filter(pk=_ding.pk).update(is_active=False)
            with self.assertLogs("reminders.webhooks", level="WARNING"):
                for _run in range(4):
                    self._run(date(2026, 12, 6))
        # Two messages, three tries per run, three runs: the fourth run leaves them failed.
        self.assertEqual(len(server.requests), 2 * 3 * 3)
        self.assertEqual(set(Delivery.objects.filter(channel=Channel.ROBOT).values_list("attempts", flat=True)), {3})
