"""One gateway's MQTT link: connect with jittered backoff, birth/will on the status topic, drain the spool.

Delivery: MQTT 5, QoS 1, client id = gateway id. Samples leave the spool only in `_on_publish`, i.e. when the
PUBACK for the message that carried them arrives (mid -> seqs). Publishing is strictly in seq order: batches
of up to `batch_size` samples from the spool head, at most `max_inflight` messages unacknowledged. Fresh
samples join the tail of the same queue, so after a reconnect the backlog drains in order and fresh samples
follow it within (backlog / batch_size) round trips: 500 samples per message means a day of 1 Hz samples is
~170 messages.

If the connection drops, paho keeps the unacknowledged messages and resends them (DUP) after the reconnect,
so the link does not republish them; if the process dies, everything still in the spool is published again
(at least once: the collector may see a seq twice and stores it idempotently).

All methods run on the reactor thread, except `_connect_job`, which runs on a connector thread.
"""

from __future__ import annotations

import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge_agent.reactor import Reactor
from edge_agent.spool import Spool, now_ms
from i5g import contract

log = logging.getLogger(__name__)

# MQTT 5 PUBACK reason 0x10: the broker accepted the message but no subscription matched, so it was discarded.
# For telemetry that means no collector session holds it - e.g. Mosquitto 2.0 after a restart does not queue
# messages of a shared subscription for a session that is offline - so the samples stay in the spool and go
# again after a pause (doubling up to NO_SUBSCRIBERS_MAX_PAUSE_S while nobody subscribes).
NO_MATCHING_SUBSCRIBERS = 0x10
NO_SUBSCRIBERS_PAUSE_S = 0.5
NO_SUBSCRIBERS_MAX_PAUSE_S = 30.0


@dataclass
class StatusInfo:
    """What the birth message says about this gateway."""

    agent_version: str
    sources: list[str]
    config_hash: str
    started_at: int = field(default_factory=now_ms)
    applied_version: int | None = None  # of the remote configuration (edge_agent/remote.py)
    config_rejected: dict[str, Any] | None = None
    problems: dict[str, str] = field(default_factory=dict)  # source items giving no value -> why


@dataclass
class LinkStats:
    """Counters of one gateway link, reported in its status message."""

    connects: int = 0
    published_messages: int = 0
    acked_samples: int = 0
    failed_acks: int = 0


def backoff_delay(attempt: int, minimum: float, maximum: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in [minimum, min(maximum, minimum * 2**attempt)]."""
    ceiling = min(maximum, minimum * (2 ** min(attempt, 30)))
    return rng.uniform(minimum, max(minimum, ceiling))


class GatewayLink:
    def __init__(
        self,
        gateway_id: str,
        mqtt_config: dict[str, Any],
        spool: Spool,
        status: StatusInfo,
        reactor: Reactor,
        *,
        batch_size: int = contract.MAX_SAMPLES_PER_MESSAGE,
        status_interval_s: float = 60.0,
        on_config: Callable[[bytes], None] | None = None,
    ) -> None:
        self.gateway_id = gateway_id
        self.config = mqtt_config
        self.spool = spool
        self.status = status
        self.reactor = reactor
        self.batch_size = min(batch_size, contract.MAX_SAMPLES_PER_MESSAGE)
        self.status_interval_s = status_interval_s
        self.max_inflight = int(mqtt_config["max_inflight"])
        self.stats = LinkStats()
        self._rng = random.Random()
        self._attempt = 0
        self._connected = False
        self._closing = False
        self._inflight: dict[int, list[int]] = {}  # mid -> seqs it carries (status messages: [])
        self._status_mids: dict[int, int] = {}  # mid -> dropped count it reported
        self._sent_upto = -1  # highest seq handed to paho in this process
        self._hold_until = 0.0  # monotonic time before which pump() sends no telemetry (nobody subscribed)
        self._no_subscriber_acks = 0  # consecutive "no matching subscribers" answers
        self._last_status = 0.0
        self._passwords: list[str] = []  # from mqtt.password_file, the one in use first
        self._on_config = on_config  # remote configuration: subscribe to the config topic when set
        self.client = self._make_client()
        reactor.add_client(self.client)

    # ------------------------------------------------------------------------------------------ set-up

    def _make_client(self) -> mqtt.Client:
        cfg = self.config
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            # The broker pins each gateway account to this client id (its username), in the gateway namespace.
            client_id=contract.broker_username(self.gateway_id),
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
        )
        client.max_inflight_messages_set(self.max_inflight)
        client.max_queued_messages_set(0)
        client.connect_timeout = float(cfg["connect_timeout_s"])
        if cfg.get("username"):
            client.username_pw_set(cfg["username"], cfg.get("password"))
        tls = cfg.get("tls") or {}
        if tls.get("enabled"):
            client.tls_set(
                ca_certs=tls.get("ca_file"),
                certfile=tls.get("cert_file"),
                keyfile=tls.get("key_file"),
                cert_reqs=ssl.CERT_REQUIRED,
            )
            client.tls_insecure_set(bool(tls.get("insecure")))
        will = contract.encode_status(self.gateway_id, False, started_at=self.status.started_at)
        client.will_set(contract.status_topic(self.gateway_id), will, qos=contract.STATUS_QOS, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def start(self) -> None:
        self._schedule_connect(0.0)

    def _schedule_connect(self, delay: float) -> None:
        if not self._closing:
            self.reactor.call_later(delay, lambda: self.reactor.run_in_connector(self._connect_job))

    def _read_password_file(self) -> bool:
        """Re-read mqtt.password_file (a rotated password needs no restart). One password per line, tried in
        turn until the broker accepts one: a new password can be added before the broker switches to it. True
        when the password to log in with changed."""
        path = self.config.get("password_file")
        if not path:
            return False
        try:
            with open(path, encoding="utf-8") as handle:
                lines = [line.strip() for line in handle if line.strip()]
        except OSError as exc:
            log.warning("%s: cannot read %s (%s); keeping the password read before", self.gateway_id, path, exc)
            return False
        if not lines:
            return False
        in_use = self.config.get("password")
        self._passwords = sorted(lines, key=lambda password: password != in_use)  # stable: the one in use first
        if self._passwords[0] == in_use:
            return False
        self._use_password(self._passwords[0])
        return True

    def _use_password(self, password: str) -> None:
        self.config["password"] = password
        self.client.username_pw_set(self.config.get("username") or self.gateway_id, password)

    def reload_password(self) -> None:
        """SIGHUP (`systemctl reload i5g-agent`): log in again at once with a new password from the password
        file. Samples wait in the spool during the reconnect; unacknowledged messages are sent again."""
        if not self._read_password_file():
            log.info("%s: reload: the password file holds the password in use", self.gateway_id)
            return
        log.info("%s: reload: new password read; reconnecting with it", self.gateway_id)
        if self._connected:
            self.client.disconnect()  # _on_disconnect schedules the reconnect

    def _connect_job(self) -> None:
        """Connector thread: the blocking TCP/TLS connect. Result goes back to the reactor thread."""
        cfg = self.config
        self._read_password_file()  # a password rotated while the link was down is used at once
        try:
            if self.client._host:  # paho has no public "configured?" flag
                self.client.reconnect()
            else:
                self.client.connect(cfg["host"], int(cfg["port"]), keepalive=int(cfg["keepalive_s"]))
        except (OSError, ValueError) as exc:
            error = exc  # `exc` is unbound after the except block; the lambda runs later
            self.reactor.post(lambda: self._connect_failed(error))

    def _connect_failed(self, exc: BaseException) -> None:
        delay = self._next_backoff()
        log.warning("%s: connect to %s:%s failed (%s); retry in %.1fs", self.gateway_id, *self._addr(), exc, delay)
        self._schedule_connect(delay)

    def _addr(self) -> tuple[str, int]:
        return self.config["host"], int(self.config["port"])

    def _next_backoff(self) -> float:
        delay = backoff_delay(
            self._attempt, float(self.config["reconnect_min_s"]), float(self.config["reconnect_max_s"]), self._rng
        )
        self._attempt += 1
        return delay

    # -------------------------------------------------------------------------------------- callbacks

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        if reason_code.is_failure:
            log.error("%s: broker refused the connection: %s", self.gateway_id, reason_code)
            if len(self._passwords) > 1:  # the next password of the file at the next attempt
                self._passwords.append(self._passwords.pop(0))
                self._use_password(self._passwords[0])
            return  # the broker closes the socket; _on_disconnect schedules the retry
        self._connected = True
        self._attempt = 0
        self.stats.connects += 1
        log.info("%s: connected to %s:%s", self.gateway_id, *self._addr())
        if self._on_config is not None:  # the retained configuration comes right after the SUBACK
            client.subscribe(contract.config_topic(self.gateway_id), qos=contract.CONFIG_QOS)
        self.publish_status()
        self.pump()

    def _on_subscribe(self, _client: mqtt.Client, _u: Any, _mid: int, reason_codes: Any, _props: Any) -> None:
        if any(getattr(code, "is_failure", False) for code in reason_codes):
            log.warning("%s: the broker refused the config topic subscription: %s", self.gateway_id, reason_codes)

    def _on_message(self, _client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        if self._on_config is not None and message.topic == contract.config_topic(self.gateway_id):
            self._on_config(bytes(message.payload))

    def _on_disconnect(self, _client: mqtt.Client, _u: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        was_connected = self._connected
        self._connected = False
        if self._closing:
            return
        delay = self._next_backoff()
        level = logging.WARNING if was_connected else logging.DEBUG
        log.log(level, "%s: disconnected (%s); reconnect in %.1fs", self.gateway_id, reason_code, delay)
        self._schedule_connect(delay)

    def _on_publish(self, _client: mqtt.Client, _u: Any, mid: int, reason_code: Any, _props: Any) -> None:
        seqs = self._inflight.pop(mid, None)
        reported = self._status_mids.pop(mid, None)
        if getattr(reason_code, "is_failure", False):
            # Not accepted (e.g. 0x87 not authorised): keep the samples and try again after a pause.
            self.stats.failed_acks += 1
            if seqs:
                self._hold(seqs, f"the broker rejected samples %d-%d ({reason_code})")
            return
        if seqs and getattr(reason_code, "value", 0) == NO_MATCHING_SUBSCRIBERS:
            self._hold(seqs, "no subscriber took samples %d-%d")
            return
        if reported:
            self.spool.mark_dropped_reported(reported)
        if seqs:
            self._no_subscriber_acks = 0
            self.spool.delete(seqs)
            self.stats.acked_samples += len(seqs)
        self.pump()

    def _hold(self, seqs: list[int], why: str) -> None:
        """Nobody received the message (or the broker refused it): keep its samples, rewind to them and
        publish again after a pause that doubles while this goes on."""
        self._sent_upto = self.spool.in_flight_upto = min(self._sent_upto, seqs[0] - 1)
        if time.monotonic() >= self._hold_until:  # the other messages of the same window share this pause
            pause = min(NO_SUBSCRIBERS_MAX_PAUSE_S, NO_SUBSCRIBERS_PAUSE_S * 2 ** min(self._no_subscriber_acks, 16))
            self._no_subscriber_acks += 1
            log.warning("%s: " + why + "; sending again in %.1fs", self.gateway_id, seqs[0], seqs[-1], pause)
            self._hold_until = time.monotonic() + pause
            self.reactor.call_later(pause, self.pump)

    # ------------------------------------------------------------------------------------------ sending

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def in_flight(self) -> int:
        """Messages published and not yet acknowledged."""
        return len(self._inflight) + len(self._status_mids)

    def pump(self) -> None:
        """Publish spooled samples, oldest first, while the in-flight window has room."""
        if not self._connected:
            return
        if self.spool.dropped and time.monotonic() - self._last_status >= self.status_interval_s:
            self.publish_status()
        if time.monotonic() < self._hold_until:
            return
        while len(self._inflight) < self.max_inflight:
            batch = self.spool.read_after(self._sent_upto, self.batch_size)
            if not batch:
                return
            payload = _payload(self.gateway_id, [item.body for item in batch])
            while len(payload) > contract.MAX_PAYLOAD_BYTES and len(batch) > 1:
                batch = batch[: len(batch) // 2]
                payload = _payload(self.gateway_id, [item.body for item in batch])
            info = self.client.publish(contract.telemetry_topic(self.gateway_id), payload, qos=contract.TELEMETRY_QOS)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                return  # connection lost meanwhile; _on_disconnect handles it
            self._inflight[info.mid] = [item.seq for item in batch]
            self._sent_upto = self.spool.in_flight_upto = batch[-1].seq
            self.stats.published_messages += 1

    def publish_status(self) -> None:
        dropped = self.spool.dropped
        payload = contract.encode_status(
            self.gateway_id,
            True,
            agent_version=self.status.agent_version,
            sources=self.status.sources,
            config_hash=self.status.config_hash,
            started_at=self.status.started_at,
            dropped=dropped,
            ts=now_ms(),
            applied_version=self.status.applied_version,
            config_rejected=self.status.config_rejected,
            problems=self.status.problems,
        )
        info = self.client.publish(
            contract.status_topic(self.gateway_id), payload, qos=contract.STATUS_QOS, retain=True
        )
        self._last_status = time.monotonic()
        if info.rc == mqtt.MQTT_ERR_SUCCESS and dropped:
            self._status_mids[info.mid] = dropped

    def close(self) -> None:
        """Clean shutdown: publish offline status (the will is only for unclean ends), then disconnect."""
        self._closing = True
        if self._connected:
            offline = contract.encode_status(self.gateway_id, False, started_at=self.status.started_at, ts=now_ms())
            self.client.publish(contract.status_topic(self.gateway_id), offline, qos=contract.STATUS_QOS, retain=True)
            self.client.disconnect()


def close_links(reactor: Reactor, links: list[GatewayLink], timeout: float) -> None:
    """Graceful end: let in-flight messages get their PUBACK (so their samples leave the spool), then publish
    the offline status and disconnect; run the reactor until the sockets are closed or `timeout` passes.
    Whatever is still spooled goes out after the next start."""
    deadline = time.monotonic() + timeout
    reactor.cancel_timers()  # no more sample ticks or reconnect attempts: what is spooled now is final

    def run_while(condition: Callable[[], bool], until: float) -> None:
        while condition() and time.monotonic() < until:
            reactor.run(until=min(until, time.monotonic() + 0.05))

    run_while(lambda: any(link.connected and link.in_flight for link in links), deadline - timeout / 2)
    for link in links:
        link.close()
    run_while(lambda: any(link.client.socket() is not None for link in links), deadline)


def _payload(gateway_id: str, bodies: list[str]) -> bytes:
    # The spool stores each sample already encoded; joining them avoids re-encoding a 500-sample batch.
    return contract.encode_telemetry_batch(gateway_id, bodies)
