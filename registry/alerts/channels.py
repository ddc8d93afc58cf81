"""Message shapes and signatures of each channel kind, exactly as the platforms document them. Pure: builds the
HTTP request (or e-mail) and judges the answer; delivery.py sends it.

- webhook (ours): JSON body, `X-I5G-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, key = secret>`,
  `X-I5G-Timestamp` (also inside the body, so a replayed body is recognisable). docs/alerts.md.
- DingTalk custom robot (钉钉自定义机器人): POST to the robot's webhook URL (…/robot/send?access_token=…), body
  `{"msgtype": "markdown", "markdown": {"title", "text"}}`; with "加签" the query gains `timestamp` (ms) and
  `sign` = urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\n" + secret))). Answer `errcode` 0.
  https://open.dingtalk.com/document/robots/custom-robot-access (security settings, 加签) and
  https://open.dingtalk.com/document/robots/message-types-and-data-format (markdown type).
- WeCom group robot (企业微信群机器人): POST to …/cgi-bin/webhook/send?key=…, body
  `{"msgtype": "markdown", "markdown": {"content"}}` (content at most 4096 bytes, UTF-8); no signing (the key
  in the URL is the credential). Answer `errcode` 0. https://developer.work.weixin.qq.com/document/path/91770
  (群机器人配置说明, also https://work.weixin.qq.com/api/doc/90000/90136/91770).
- Feishu/Lark custom bot (飞书自定义机器人): POST to …/open-apis/bot/v2/hook/…, body
  `{"msg_type": "text", "content": {"text"}}`; with 签名校验 the body gains `timestamp` (seconds, as a string)
  and `sign` = base64(HMAC-SHA256(key=timestamp + "\n" + secret, msg=empty)). Answer `code` 0.
  https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote_plus

from registry.alerts.models import ChannelKind

WEBHOOK_SIGNATURE_HEADER = "X-I5G-Signature-256"
WEBHOOK_TIMESTAMP_HEADER = "X-I5G-Timestamp"
WECOM_MARKDOWN_MAX_BYTES = 4096
DINGTALK_FEISHU_TEXT_MAX = 4000


@dataclass(frozen=True)
class Message:
    """One notification, independent of the channel."""

    event: str  # "firing" or "resolved"
    title: str
    lines: tuple[str, ...]
    data: dict[str, Any]  # the generic webhook's "alert" object

    def text(self) -> str:
        return "\n".join((self.title, *self.lines))

    def markdown(self) -> str:
        return "\n".join((f"### {self.title}", *(f"- {line}" for line in self.lines)))


@dataclass(frozen=True)
class HttpRequest:
    url: str
    body: bytes
    headers: dict[str, str]


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` query value (already URL-encoded, as the documentation's example produces it)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def _truncate_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "..."


def http_request(kind: ChannelKind, target: str, secret: str | None, message: Message, now_ms: int) -> HttpRequest:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if kind == ChannelKind.webhook:
        body = _json({"version": 1, "event": message.event, "sent_at_ms": now_ms, "alert": message.data})
        headers[WEBHOOK_TIMESTAMP_HEADER] = str(now_ms)
        if secret:
            headers[WEBHOOK_SIGNATURE_HEADER] = webhook_signature(secret, body)
        return HttpRequest(target, body, headers)
    if kind == ChannelKind.dingtalk:
        url = target
        if secret:
            url += ("&" if "?" in url else "?") + f"timestamp={now_ms}&sign={dingtalk_sign(secret, now_ms)}"
        text = message.markdown()[:DINGTALK_FEISHU_TEXT_MAX]
        return HttpRequest(
            url, _json({"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}), headers
        )
    if kind == ChannelKind.wecom:
        content = _truncate_bytes(message.markdown(), WECOM_MARKDOWN_MAX_BYTES)
        return HttpRequest(target, _json({"msgtype": "markdown", "markdown": {"content": content}}), headers)
    if kind == ChannelKind.feishu:
        body: dict[str, Any] = {}
        if secret:
            timestamp_s = now_ms // 1000
            body = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s)}
        body |= {"msg_type": "text", "content": {"text": message.text()[:DINGTALK_FEISHU_TEXT_MAX]}}
        return HttpRequest(target, _json(body), headers)
    raise ValueError(f"{kind} is not an HTTP channel")


def answer_error(kind: ChannelKind, status_code: int, body: bytes) -> str | None:
    """None when the platform accepted the message, else what it said (robots answer HTTP 200 with an error
    code in the body, e.g. DingTalk 310000 for a bad signature, Feishu 19021)."""
    snippet = body[:200].decode("utf-8", errors="replace")
    if not 200 <= status_code < 300:
        return f"HTTP {status_code}: {snippet}"
    if kind == ChannelKind.webhook:
        return None
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return f"not a JSON answer: {snippet}"
    code_key = "code" if kind == ChannelKind.feishu else "errcode"
    code = answer.get(code_key, answer.get("StatusCode")) if isinstance(answer, dict) else None
    if code == 0:
        return None
    return f"{code_key} {code}: {snippet}"


def email_message(sender: str, recipient: str, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = message.title
    mail.set_content(message.text())
    return mail
