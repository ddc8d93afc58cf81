"""Remote agent configuration (issue 19) with real Mosquitto (dynamic security), the real registry and a real
`i5g agent run` process (lean runtime).

The registry publishes the desired configuration retained on the gateway's config topic; the agent applies a
change within seconds without a restart, refuses an invalid or hostile one with its reason while it keeps
sampling on the last good one, applies a change made while it was offline when it reconnects (also after a
broker restart), and the collector's status path carries applied/rejected back to the registry. A gateway's
credentials can read only its own config topic and write none; roles made before the topic existed get the
ACL from `reconcile`.
"""

from __future__ import annotations

import itertools
import json
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from collector.registry_client import RegistryClient
from collector.status import StatusReporter
from collector.validate import AgentStatus, decode_status
from devstack.mosquitto import MosquittoServer
from i5g import contract
from registry.broker import hooks, service
from registry.broker.acl import gateway_role
from registry.broker.dynsec import DynsecClient
from registry.broker.reconcile import reconcile
from registry.broker.settings import BrokerSettings
from tests.agent.conftest import AgentProcess, write_config
from tests.security.conftest import Peer, wait_for

GATEWAY = "gw-remote-1"
COLLECTOR = ("i5g-collector", "collector-password-1234")


class Watch:
    """What the collector identity receives from the gateway: telemetry sample timestamps and statuses."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ts: list[int] = []
        self.statuses: list[AgentStatus] = []

    def on_message(self, _c: Any, _u: Any, message: Any) -> None:
        with self.lock:
            if message.topic.endswith("/telemetry"):
                self.ts += [sample["ts"] for sample in json.loads(message.payload)["samples"]]
            else:
                report = decode_status(message.topic, message.payload)
                assert isinstance(report, AgentStatus), report
                self.statuses.append(report)

    def last_status(self) -> AgentStatus | None:
        with self.lock:
            return self.statuses[-1] if self.statuses else None

    def samples_since(self, moment_ms: int) -> list[int]:
        with self.lock:
            return [ts for ts in self.ts if ts >= moment_ms]

    def spacing_ms(self, since_ms: int) -> float:
        """Median spacing of the samples taken after `since_ms` (the sampling interval in effect)."""
        stamps = sorted(self.samples_since(since_ms))
        gaps = sorted(b - a for a, b in itertools.pairwise(stamps))
        return gaps[len(gaps) // 2] if gaps else float("inf")


def now_ms() -> int:
    return int(time.time() * 1000)


def test_remote_config_end_to_end(
    registry_server,
    secure_mosquitto: MosquittoServer,
    broker_env: dict[str, str],
    peers: Callable[..., Peer],
    tmp_path: Path,
) -> None:
    registry, broker = registry_server, secure_mosquitto
    use_case = registry.create_use_case("agv")
    password = registry.create_gateway(GATEWAY, use_case["id"])["broker_password"]
    settings = BrokerSettings.load()
    with DynsecClient.from_settings(settings) as dynsec:
        service.ensure_collector(dynsec, *COLLECTOR)

    watch = Watch()

    def collector_peer() -> Peer:
        peer = peers(broker.port, *COLLECTOR, f"i5g-collector-{len(watch.statuses)}")
        peer.client.on_message = watch.on_message
        for topic in (contract.telemetry_topic(GATEWAY), contract.status_topic(GATEWAY)):
            assert not peer.subscribe(topic)[0].is_failure
        return peer

    collector_peer()
    # The collector's own status path to the real registry: decode_status -> StatusReporter -> POST.
    client = RegistryClient(registry.url, registry.collector_token, 10)
    reporter = StatusReporter(client.post_statuses, 60)

    def report_to_registry() -> dict[str, Any]:
        status = watch.last_status()
        assert status is not None
        reporter.status_received(GATEWAY, status.online, status.ts)
        reporter.config_reported(GATEWAY, status.applied_version, status.config_rejected)
        assert reporter.push(), reporter.last_error
        return registry.request("GET", f"/api/v1/gateways/{GATEWAY}/config").json()

    state_dir = tmp_path / "agent"
    (tmp_path / "pw").write_text(password)
    extra = '\n[agent.remote]\npinned = ["log_level"]\n'
    config = write_config(tmp_path / "agent.toml", GATEWAY, broker.port, state_dir, extra, interval_s=0.4)
    config.write_text(config.read_text().replace("[agent.mqtt]\n", f'[agent.mqtt]\npassword_file = "{tmp_path}/pw"\n'))
    agent = AgentProcess(config, tmp_path / "agent.log")
    try:
        assert wait_for(lambda: len(watch.ts) >= 3, timeout=15), agent.log()
        assert watch.spacing_ms(0) >= 300

        def put(document: dict[str, Any]) -> httpx.Response:
            return registry.request("PUT", f"/api/v1/gateways/{GATEWAY}/config", json={"config": document})

        def status_says(check: Callable[[AgentStatus], bool], timeout: float = 10) -> None:
            assert wait_for(lambda: (s := watch.last_status()) is not None and check(s), timeout), agent.log()

        # 1. A change is applied within seconds, without a restart: 0.4 s -> 0.1 s sampling.
        changed = put({"interval_s": 0.1, "sources": {"simulated": {"degradation_rate": 0}}})
        assert changed.status_code == 200, changed.text
        assert changed.json()["version"] == 1 and changed.json()["state"] == "pending"
        began = time.monotonic()
        status_says(lambda s: s.applied_version == 1)
        assert time.monotonic() - began < 5
        applied_at = now_ms()
        assert wait_for(lambda: len(watch.samples_since(applied_at)) >= 8, timeout=5)
        assert watch.spacing_ms(applied_at) < 250
        shown = report_to_registry()
        assert (shown["state"], shown["applied_version"]) == ("applied", 1), shown

        # 2. Valid for the registry, refused by this gateway: its own file pins log_level. It keeps sampling
        #    at 0.1 s and says why; the registry shows the rejection.
        assert put({"interval_s": 0.1, "log_level": "DEBUG"}).status_code == 200
        status_says(lambda s: s.config_rejected is not None and s.config_rejected[0] == 2)
        assert "log_level: pinned" in watch.last_status().config_rejected[1]  # type: ignore[union-attr]
        shown = report_to_registry()
        assert shown["state"] == "rejected" and "pinned" in shown["rejected_reason"], shown
        assert shown["applied_version"] == 1

        # 3. Hostile messages on the config topic (the registry would refuse them): the agent keeps running on
        #    version 1 and reports each reason.
        hostile = {
            10: ({"mqtt": {"host": "evil.example"}}, "remote configuration cannot change the broker"),
            11: ({"gateway_id": "gw-other"}, "gateway_id: may only be set"),
            12: ({"sources": {"host": {"enabled": True, "disk_path": "/../../etc"}}}, "without '..'"),
            13: ({"sources": {"modem_mm": {"enabled": True, "mmcli": "/bin/sh"}}}, "only its own configuration file"),
            14: ({"interval_s": "fast", "surprise": 1}, "interval_s: Input should be a valid number"),
        }
        with DynsecClient.from_settings(settings) as admin:  # the registry's connection has the role by now
            for version, (document, why) in hostile.items():
                service.publish_config(admin, GATEWAY, contract.encode_config(GATEWAY, version, document))
                status_says(lambda s, v=version: s.config_rejected is not None and s.config_rejected[0] == v)
                assert why in watch.last_status().config_rejected[1], watch.last_status()  # type: ignore[union-attr]
            huge = contract.encode_config(GATEWAY, 15, {"sources": {"host": {"interfaces": ["x"] * 10_000}}})
            service.publish_config(admin, GATEWAY, huge)
            status_says(lambda s: s.config_rejected is not None and "exceeds the limit" in s.config_rejected[1])
            nested = b'{"v":1,"gw":"gw-remote-1","version":17,"config":' + b'{"a":' * 2000 + b"1" + b"}" * 2001
            service.publish_config(admin, GATEWAY, nested)
            status_says(lambda s: s.config_rejected is not None and "nested too deeply" in s.config_rejected[1])
            forged = contract.encode_config("gw-other", 16, {"interval_s": 3})  # another gateway's envelope
            service.publish_config(admin, GATEWAY, forged)
            status_says(lambda s: s.config_rejected is not None and "for gateway gw-remote-1" in s.config_rejected[1])
            # The same version number with other content (a registry restored from a backup) is applied too.
            service.publish_config(admin, GATEWAY, contract.encode_config(GATEWAY, 1, {"interval_s": 0.1}))
            assert wait_for(lambda: agent.log().count("version 1 applied") == 2, timeout=10), agent.log()
        assert watch.last_status().applied_version == 1  # type: ignore[union-attr]
        still = now_ms()
        assert wait_for(lambda: len(watch.samples_since(still)) >= 5, timeout=5), agent.log()
        assert watch.spacing_ms(still) < 250
        assert agent.proc.poll() is None

        # 4. Changed while the agent is offline: applied when it reconnects. The last good one is on disk.
        assert agent.stop() == 0
        stored = state_dir / "remote-config.json"
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert json.loads(stored.read_text())["version"] == 1
        assert put({"interval_s": 0.2}).status_code == 200  # version 3
        agent = AgentProcess(config, tmp_path / "agent.log")
        status_says(lambda s: s.online and s.applied_version == 3)
        assert report_to_registry()["state"] == "applied"

        # 5. Across a broker restart, with the agent's stored copy gone: the retained message is still there.
        assert agent.stop() == 0
        stored.unlink()
        broker.stop()
        broker.start()
        collector_peer()
        agent = AgentProcess(config, tmp_path / "agent.log")
        status_says(lambda s: s.online and s.applied_version == 3, timeout=15)
        assert json.loads(stored.read_text())["version"] == 3

        # 6. A broker that lost its retained messages (mosquitto.db): `i5g broker reconcile` publishes every
        #    desired configuration again from the registry.
        assert agent.stop() == 0
        stored.unlink()
        broker.stop()
        (broker.state_dir / "mosquitto.db").unlink()
        broker.start()
        collector_peer()
        cli = [str(Path(sys.executable).parent / "i5g"), "broker", "reconcile"]
        done = subprocess.run(cli, env=broker_env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and "1 desired agent configuration(s) published again" in done.stdout, done
        agent = AgentProcess(config, tmp_path / "agent.log")
        status_says(lambda s: s.online and s.applied_version == 3, timeout=15)
    finally:
        agent.stop()
        client.close()

    # Every change through the registry is in the audit trail.
    from sqlalchemy import select

    from registry.audit.models import AuditEvent
    from registry.db import make_engine, make_sessionmaker, session_scope

    engine = make_engine(registry.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            events = session.scalars(select(AuditEvent).where(AuditEvent.action == "gateway.config.update")).all()
            assert [event.detail["version"] for event in events] == [1, 2, 3]
            assert events[0].detail["changes"]["interval_s"] == [None, 0.1]
            assert all(event.target_id == GATEWAY and event.actor_kind == "token" for event in events)
    finally:
        engine.dispose()


def test_gateway_reads_only_its_own_config_topic(
    secure_mosquitto: MosquittoServer, broker_settings: BrokerSettings, peers: Callable[..., Peer]
) -> None:
    secure_mosquitto.stop()  # with the project's broker policy (check_retain_source, packet limits)
    secure_mosquitto.policy_dir = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto" / "conf.d"
    secure_mosquitto.start()
    for gw in ("gw-acl-a", "gw-acl-b"):  # the registry's hook: gives the admin account the publisher role
        assert hooks.config_changed(gw, contract.encode_config(gw, 1, {"interval_s": 5}), broker_settings)
    dynsec = DynsecClient.from_settings(broker_settings).connect()
    passwords = {gw: service.provision_gateway(dynsec, gw, pin_client_id=True) for gw in ("gw-acl-a", "gw-acl-b")}
    user = contract.broker_username("gw-acl-a")
    a = peers(secure_mosquitto.port, user, passwords["gw-acl-a"], user)
    own, other = contract.config_topic("gw-acl-a"), contract.config_topic("gw-acl-b")

    assert not a.subscribe(own)[0].is_failure
    assert wait_for(lambda: any(topic == own for topic, _ in a.messages))
    for topic in (other, contract.CONFIG_TOPICS, "i5g/v1/#", "#", f"$share/g/{other}", "i5g/v1/gw-acl-b/+"):
        assert a.subscribe(topic)[0].is_failure, topic
    # Writing: neither its own config topic nor another's (PUBACK "not authorized"); nothing changes.
    for topic in (own, other):
        assert a.publish(topic, contract.encode_config("gw-acl-a", 99, {"interval_s": 1})).is_failure, topic
    time.sleep(0.3)
    assert [json.loads(body)["version"] for topic, body in a.messages if topic == own] == [1]
    b_user = contract.broker_username("gw-acl-b")
    b = peers(secure_mosquitto.port, b_user, passwords["gw-acl-b"], b_user)
    assert not b.subscribe(other)[0].is_failure
    assert wait_for(lambda: bool(b.messages))
    assert json.loads(b.messages[0][1])["version"] == 1

    # A role made before the config topic existed (older version) gets the ACL from `i5g broker reconcile`.
    role = gateway_role("gw-acl-b")
    dynsec.remove_role_acl(role, "subscribePattern", other)
    dynsec.remove_role_acl(role, "publishClientReceive", other)
    assert b.subscribe(other)[0].is_failure
    reconcile(dynsec, {"gw-acl-a": True, "gw-acl-b": True})
    dynsec.close()
    assert not b.subscribe(other)[0].is_failure
