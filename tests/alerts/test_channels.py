"""Notifications reach real local HTTP servers and a real SMTP server (aiosmtpd) in each platform's documented
shape, with signatures verified here independently from the documentation (fixtures/platform_messages.json);
a failing channel is retried with backoff and shown with its last error; channel targets are guarded."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from registry.alerts import delivery
from registry.alerts.models import AlertEvent, DeliveryState
from registry.db import session_scope
from tests.alerts.conftest import AlertEnv, alert_settings, platform_messages
from tests.alerts.helpers import notifications, set_alert, use_case_with_gateway


def _channel(env: AlertEnv, use_case_id: int | None, kind: str, target: str, secret: str | None = None) -> dict:
    body = {"use_case_id": use_case_id, "kind": kind, "name": f"{kind} channel", "target": target, "secret": secret}
    response = env.client.request("POST", "/api/v1/alert-channels", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _same_shape(documented: dict, sent: dict, optional: list[str]) -> None:
    """Every key we send is one the documentation shows (or lists as optional), nested objects alike, and every
    documented key is sent; values have the documented JSON types."""
    assert set(sent) - set(optional) == set(documented), (sorted(sent), sorted(documented))
    for key, value in documented.items():
        assert type(sent[key]) is type(value), key
        if isinstance(value, dict):
            _same_shape(value, sent[key], [])


def test_every_channel_kind_sends_its_documented_shape_and_signature(alert_env, receiver, smtp_server) -> None:
    docs = platform_messages()
    env = alert_env
    env.settings = alert_settings(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_starttls=False)
    use_case = use_case_with_gateway(env, "video_surveillance", "gw-ch-1")
    box = receiver()
    _channel(env, use_case, "webhook", f"{box.url}/hooks/i5g", "wh-secret")
    _channel(env, use_case, "dingtalk", f"{box.url}/robot/send?access_token=dt-token", "SEC-dingtalk-secret")
    _channel(env, use_case, "wecom", f"{box.url}/cgi-bin/webhook/send?key=wecom-key")
    _channel(env, None, "feishu", f"{box.url}/open-apis/bot/v2/hook/fs-hook", "feishu-secret")  # staff-wide
    _channel(env, use_case, "email", "ops@example.cn")

    before_ms = int(time.time() * 1000)
    alert_id = set_alert(env, use_case, "gw-ch-1", True)
    assert delivery.dispatch(env.factory, env.settings) == 5
    by_path = {urlsplit(r.path).path: r for r in box.requests}
    assert len(box.requests) == 4, [r.path for r in box.requests]

    webhook = by_path["/hooks/i5g"]
    expected = "sha256=" + hmac.new(b"wh-secret", webhook.body, hashlib.sha256).hexdigest()
    assert webhook.headers["X-I5G-Signature-256"] == expected
    payload = webhook.json()
    assert payload["event"] == "firing" and payload["alert"]["id"] == alert_id
    assert payload["alert"]["subject"] == "gw-ch-1" and payload["alert"]["state"] == "firing"

    dingtalk = by_path["/robot/send"]
    query = parse_qs(urlsplit(dingtalk.path).query)
    assert query["access_token"] == ["dt-token"]
    timestamp = int(query["timestamp"][0])
    assert before_ms - 1000 <= timestamp <= int(time.time() * 1000)  # milliseconds, as documented
    digest = hmac.new(b"SEC-dingtalk-secret", f"{timestamp}\nSEC-dingtalk-secret".encode(), hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(digest).decode()]  # parse_qs undid the documented urlEncode
    _same_shape(docs["dingtalk"]["markdown_example"], dingtalk.json(), docs["dingtalk"]["optional_keys"])
    assert "gw-ch-1" in dingtalk.json()["markdown"]["text"]

    wecom = by_path["/cgi-bin/webhook/send"]
    assert parse_qs(urlsplit(wecom.path).query) == {"key": ["wecom-key"]}
    _same_shape(docs["wecom"]["markdown_example"], wecom.json(), docs["wecom"]["optional_keys"])
    assert len(wecom.json()["markdown"]["content"].encode()) <= docs["wecom"]["markdown_content_max_bytes"]

    feishu = by_path["/open-apis/bot/v2/hook/fs-hook"].json()
    _same_shape(docs["feishu"]["signed_text_example"], feishu, docs["feishu"]["optional_keys"])
    seconds = int(feishu["timestamp"])
    assert abs(seconds - time.time()) < 60  # seconds, as documented
    key = f"{seconds}\nfeishu-secret".encode()
    assert feishu["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert "gw-ch-1" in feishu["content"]["text"]

    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "ops@example.cn" and "[FIRING]" in mail["Subject"]
    assert "gateway offline" in mail.get_payload()

    set_alert(env, use_case, "gw-ch-1", False)
    assert delivery.dispatch(env.factory, env.settings) == 5
    assert json.loads(box.requests[-1].body) and len(box.requests) == 8
    assert "[RESOLVED]" in smtp_server.messages[-1]["Subject"]
    assert {n.state for n in notifications(env)} == {DeliveryState.sent}


def test_failing_channel_is_retried_with_backoff_then_shown_failed(alert_env, receiver) -> None:
    env = alert_env
    answer = json.dumps({"errcode": 310000, "errmsg": "sign not match"}).encode()
    box = receiver(lambda _r: (200, answer))  # DingTalk answers HTTP 200 with an error code
    use_case = use_case_with_gateway(env, "video_surveillance", "gw-ch-2")
    channel = _channel(env, use_case, "dingtalk", f"{box.url}/robot/send?access_token=tok", "SEC-x")
    set_alert(env, use_case, "gw-ch-2", True)

    now = datetime.now(UTC)
    assert delivery.dispatch(env.factory, env.settings, now) == 1
    [queued] = notifications(env)
    assert queued.state == DeliveryState.queued and queued.attempts == 1 and "310000" in (queued.last_error or "")
    wait = queued.next_attempt_at - datetime.now(UTC)
    assert timedelta(seconds=0) < wait <= timedelta(seconds=env.settings.retry_base_s)
    assert delivery.dispatch(env.factory, env.settings, now) == 0  # not due yet: no hammering
    for attempt in (2, 3):
        assert delivery.dispatch(env.factory, env.settings, now + timedelta(hours=attempt)) == 1
    [failed] = notifications(env)
    assert failed.state == DeliveryState.failed and failed.attempts == env.settings.max_attempts
    assert len(box.requests) == env.settings.max_attempts

    shown = env.client.request("GET", "/api/v1/alert-channels", params={"usecase": use_case}).json()
    [row] = [c for c in shown if c["id"] == channel["id"]]
    assert "310000" in row["last_error"] and row["failed"] == 1 and row["last_ok_at"] is None
    assert "tok" not in row["target"] and "secret" not in row and row["has_secret"] is True
    with session_scope(env.factory) as session:
        kinds = [e.kind for e in session.scalars(select(AlertEvent).order_by(AlertEvent.id))]
    assert kinds[-1] == "notify_failed"


def test_channel_targets_are_guarded(alert_env, receiver) -> None:
    env = alert_env
    use_case = use_case_with_gateway(env, "video_surveillance", "gw-ch-3")
    for kind, target in (
        ("webhook", "file:///etc/passwd"),
        ("webhook", "gopher://127.0.0.1:6379/_FLUSHALL"),
        ("dingtalk", "javascript:alert(1)"),
        ("wecom", "http://user:pw@example.cn/hook"),
        ("feishu", "https://example.cn:99999/hook"),
        ("email", "ops@example.cn\r\nBcc: all@example.cn"),
        ("email", "not-an-address"),
    ):
        body = {"use_case_id": use_case, "kind": kind, "name": "x", "target": target}
        response = env.client.request("POST", "/api/v1/alert-channels", json=body)
        assert response.status_code == 422, (target, response.text)
        assert "target" in response.text
    body = {"use_case_id": use_case, "kind": "sms", "name": "x", "target": "https://example.cn/"}
    assert env.client.request("POST", "/api/v1/alert-channels", json=body).status_code == 422
    assert env.client.request("GET", "/api/v1/alert-channels", token=None).status_code == 401
    assert env.client.request("GET", "/api/v1/alert-channels", token="collector").status_code == 403

    # A channel pointing inward is refused when sending (private targets not allowed): nothing reaches it.
    env.settings = alert_settings(allow_private_targets=False)
    box = receiver()
    _channel(env, use_case, "webhook", f"{box.url}/inward", "s3cret-value")
    set_alert(env, use_case, "gw-ch-3", True)
    delivery.dispatch(env.factory, env.settings)
    assert box.requests == []
    [item] = notifications(env)
    assert "non-public address" in (item.last_error or "") and "s3cret-value" not in (item.last_error or "")
