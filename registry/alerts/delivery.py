"""The dispatcher: sends due notifications from the outbox, outside any database transaction, and records
each result (sent; or the error and the next attempt with exponential backoff; or failed after the last
attempt). A channel's last error and time are kept on the channel, shown on the pages until it works again.
Errors never contain the channel's URL or secret (robot URLs carry their token)."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from registry.alerts.channels import Message, answer_error, email_message, http_request
from registry.alerts.models import ERROR_MAX, Alert, AlertChannel, AlertEvent, ChannelKind, DeliveryState, Notification
from registry.alerts.settings import AlertSettings
from registry.alerts.targets import TargetRejected, check_addresses
from registry.db import session_scope, transaction

log = logging.getLogger("i5g.alerts.delivery")


@dataclass(frozen=True)
class Job:
    notification_id: int
    channel_id: int
    kind: ChannelKind
    target: str
    secret: str | None
    message: Message


def message_for(alert: Alert, event: str, settings: AlertSettings) -> Message:
    rule = alert.rule
    what = f"{rule.kind!s}" + (f" {rule.kpi}" if rule.kpi else "")
    state = "FIRING" if event == "firing" else "RESOLVED"
    title = f"[{state}] {what} · use case {alert.use_case_id} · {alert.subject}"
    lines = [alert.message or what, f"since {alert.started_at:%Y-%m-%d %H:%M:%S} UTC"]
    link = f"{settings.public_url.rstrip('/')}/usecases/{alert.use_case_id}/alerts" if settings.public_url else ""
    if link:
        lines.append(link)
    data = {
        "id": alert.id,
        "rule": {"id": rule.id, "kind": str(rule.kind), "kpi": rule.kpi or None, "threshold": rule.threshold},
        "use_case_id": alert.use_case_id,
        "subject": alert.subject,
        "state": alert.state.value,
        "value": alert.value,
        "message": alert.message,
        "started_at": alert.started_at.isoformat(),
        "fired_at": alert.fired_at.isoformat() if alert.fired_at else None,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "url": link or None,
    }
    return Message(event, title, tuple(lines), data)


def due_jobs(session: Session, settings: AlertSettings, now: datetime, limit: int = 50) -> list[Job]:
    stmt = (
        select(Notification)
        .where(Notification.state == DeliveryState.queued, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    jobs = []
    for item in session.scalars(stmt):
        channel = item.channel
        message = message_for(item.alert, item.event, settings)
        jobs.append(Job(item.id, channel.id, channel.kind, channel.target, channel.secret, message))
    return jobs


def send(job: Job, settings: AlertSettings, now: datetime) -> str | None:
    """Deliver one job; None on success, else the error (without URL or secret)."""
    try:
        if job.kind == ChannelKind.email:
            return _send_mail(job, settings)
        check_addresses(job.target, settings.allow_private_targets)
        request = http_request(job.kind, job.target, job.secret, job.message, int(now.timestamp() * 1000))
        with httpx.Client(timeout=settings.send_timeout_s, follow_redirects=False) as client:
            response = client.post(request.url, content=request.body, headers=request.headers)
        return answer_error(job.kind, response.status_code, response.content)
    except TargetRejected as exc:
        return str(exc)
    except (httpx.HTTPError, OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {_scrub(str(exc), job)}"


def _scrub(text: str, job: Job) -> str:
    for secret in (job.target, job.secret):
        if secret:
            text = text.replace(secret, "***")
    return text[:200]


def _send_mail(job: Job, settings: AlertSettings) -> str | None:
    if not settings.smtp_host:
        return "no SMTP server configured (I5G_ALERTS_SMTP_HOST)"
    mail = email_message(settings.smtp_sender, job.target, job.message)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.send_timeout_s) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(mail)
    return None


def backoff(attempts: int, settings: AlertSettings) -> timedelta:
    return timedelta(seconds=min(settings.retry_max_s, settings.retry_base_s * 2 ** max(0, attempts - 1)))


def record(session: Session, job: Job, error: str | None, settings: AlertSettings, now: datetime) -> None:
    item = session.get(Notification, job.notification_id)
    channel = session.get(AlertChannel, job.channel_id)
    if item is None or channel is None:
        return  # the channel was deleted meanwhile
    item.attempts += 1
    if error is None:
        item.state, item.sent_at, item.last_error = DeliveryState.sent, now, None
        channel.last_ok_at = now
        session.add(AlertEvent(alert_id=item.alert_id, at=now, kind="notified", detail={"channel": channel.name}))
        return
    item.last_error = error
    channel.last_error, channel.last_error_at = error[:ERROR_MAX], now
    if item.attempts >= settings.max_attempts:
        item.state = DeliveryState.failed
        detail = {"channel": channel.name, "error": error[:ERROR_MAX], "attempts": item.attempts}
        session.add(AlertEvent(alert_id=item.alert_id, at=now, kind="notify_failed", detail=detail))
    else:
        item.next_attempt_at = now + backoff(item.attempts, settings)
    log.warning("notification %s via channel %s failed (attempt %s): %s", item.id, channel.id, item.attempts, error)


def dispatch(factory: sessionmaker[Session], settings: AlertSettings, now: datetime | None = None) -> int:
    """Send every due notification once; returns how many were attempted."""
    now = now or datetime.now(UTC)
    jobs: list[Job] = []
    for session in transaction(factory, writes=False):
        jobs = due_jobs(session, settings, now)
    for job in jobs:
        error = send(job, settings, datetime.now(UTC))
        with session_scope(factory) as session:
            record(session, job, error, settings, datetime.now(UTC))
    return len(jobs)
