"""Posting to 企业微信 and 钉钉 group robots: the documented payloads, 钉钉's signature, bounded retries.

企业微信 (WeCom) group robot, "群机器人配置说明" (developer.work.weixin.qq.com/document/path/91770): POST JSON to
the robot's address `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY` — the key in the address is the
credential, there is no signature — with `{"msgtype": "markdown", "markdown": {"content": "..."}}` (content at
most 4096 bytes, UTF-8); the answer is `{"errcode": 0, "errmsg": "ok"}`.

钉钉 (DingTalk) custom robot, "自定义机器人安全设置 / 加签" and "自定义机器人发送群消息"
(open.dingtalk.com/document/robots/customize-robot-security-settings, .../custom-robot-access): POST JSON to
`https://oapi.dingtalk.com/robot/send?access_token=TOKEN&timestamp=T&sign=S` with
`{"msgtype": "markdown", "markdown": {"title": "...", "text": "..."}}`. T is the current time in milliseconds;
S = urlencode(base64(HMAC-SHA256(key=secret, message=f"{T}\\n{secret}"))); the server refuses a T more than an
hour off. The answer is `{"errcode": 0, "errmsg": "ok"}`, errcode ≠ 0 on refusal (HTTP 200 all the same).

Nothing here raises: a robot that fails is retried with back-off, then logged, and the caller goes on with the
other robots and the e-mail.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import quote_plus

from django.conf import settings

from .choices import RobotPlatform

logger = logging.getLogger(__name__)

# 企业微信 cuts markdown content at 4096 bytes; leave room for the link line.
WECOM_MAX_BYTES = 4000


def dingtalk_sign(secret, timestamp_ms):
    """Return the URL-encoded 钉钉 signature of `timestamp_ms` under `secret` (加签)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, digestmod=hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(robot, timestamp_ms=None):
    """Return the address to post to: 钉钉's with `&timestamp=…&sign=…` when the robot has a secret."""
    if robot.platform != RobotPlatform.DINGTALK or not robot.secret:
        return robot.url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in robot.url else "?"
    return f"{robot.url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(robot.secret, timestamp_ms)}"


def _truncate(text, limit):
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore").rstrip() + "…"


def payload(robot, *, title, text):
    """Return the JSON body the robot's platform documents for a markdown message."""
    if robot.platform == RobotPlatform.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n\n{text}"}}
    return {"msgtype": "markdown", "markdown": {"content": _truncate(f"### {title}\n{text}", WECOM_MAX_BYTES)}}


class WebhookError(Exception):
    pass


def _post_once(url, body, timeout):
    request = urllib.request.Request(  # noqa: S310 (the address is an administrator's http(s) robot URL)
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise WebhookError(str(getattr(exc, "reason", exc))) from exc
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0  # a proxy's plain "ok": the HTTP status said success
    if errcode not in (0, "0"):
        raise WebhookError(f"errcode {errcode}: {answer[:200].decode('utf-8', 'replace')}")


def post(robot, *, title, text, sleep=time.sleep):
    """Post one markdown message to `robot`; return True when it was taken, False after the last failed try.

    Tries REMINDERS_WEBHOOK_ATTEMPTS times, waiting REMINDERS_WEBHOOK_BACKOFF seconds, then twice that, and so on;
    each failure is logged without the address (it holds the robot's key).
    """
    attempts = max(1, getattr(settings, "REMINDERS_WEBHOOK_ATTEMPTS", 3))
    wait = getattr(settings, "REMINDERS_WEBHOOK_BACKOFF", 2.0)
    timeout = getattr(settings, "REMINDERS_WEBHOOK_TIMEOUT", 10.0)
    body = json.dumps(payload(robot, title=title, text=text), ensure_ascii=False).encode("utf-8")
    for attempt in range(1, attempts + 1):
        try:
            # Signed afresh for every try: 钉钉 refuses a timestamp more than an hour old.
            _post_once(signed_url(robot), body, timeout)
            return True
        except WebhookError as exc:
            logger.warning(
                "Group robot %s (%s, pk=%s) failed, try %s of %s: %s",
                robot.name,
                robot.platform,
                robot.pk,
                attempt,
                attempts,
                exc,
            )
            if attempt < attempts:
                sleep(wait * 2 ** (attempt - 1))
    logger.error(
        "Group robot %s (pk=%s) gave up after %s tries: %r not delivered", robot.name, robot.pk, attempts, title
    )
    return False
