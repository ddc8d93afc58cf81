"""Issue 18 (and 16.6): an administrative state never throws samples away, and revocation ends "online".

Real parts end to end: Mosquitto with dynamic security (the registry provisions and revokes the gateway's
identity), the registry, a real agent process sampling at 20/s, the collector process (directory refresh
every 3 s) and InfluxDB. The gateway is disabled while the agent keeps sampling (it spools,
the broker refuses it), then re-enabled: every generated sample is stored and nothing is dead-lettered.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from devstack.influxdb import query
from devstack.mosquitto import MosquittoServer
from i5g.contract import FIELD_COUNT, MEASUREMENT_DEAD_LETTER, TAG_REASON
from registry.broker.dynsec import DynsecClient
from registry.broker.service import ensure_collector
from registry.broker.settings import BrokerSettings
from tests.collector.conftest import wait_for
from tests.faults.harness import count_points, read_spool, wait_complete

GATEWAY = "gw-admin-1"


def _online(registry, gateway_id: str) -> bool:
    return registry.request("GET", f"/api/v1/gateways/{gateway_id}").json()["online"]


def _directory_says_disabled(state_dir: Path) -> bool:
    try:
        entries = json.loads((state_dir / "directory.json").read_text("utf-8"))["gateways"]
    except (OSError, ValueError):
        return False
    return any(entry["id"] == GATEWAY and not entry["enabled"] for entry in entries)


def _collector_account(broker: MosquittoServer) -> tuple[str, str]:
    assert broker.admin is not None
    password = secrets.token_urlsafe(16)
    settings = BrokerSettings(
        admin_url=f"mqtt://127.0.0.1:{broker.port}",
        admin_username=broker.admin.username,
        admin_password=broker.admin.password,
    )
    with DynsecClient.from_settings(settings) as dynsec:
        ensure_collector(dynsec, "i5g-collector", password)
    return "i5g-collector", password


def test_disable_then_enable_loses_nothing_and_revocation_ends_online(
    registry_with_broker, secure_mosquitto: MosquittoServer, influxdb, processes
) -> None:
    registry = registry_with_broker
    use_case = registry.create_use_case("agv")
    password = registry.create_gateway(GATEWAY, use_case_id=use_case["id"])["broker_password"]
    username, collector_password = _collector_account(secure_mosquitto)
    collector = processes.collector(
        secure_mosquitto.port, influxdb.v2_url, influxdb.database, [],
        registry_url=registry.url, registry_token=registry.collector_token,
        mqtt_username=username, mqtt_password=collector_password,
        directory_refresh_s=3, directory_forced_refresh_min_s=5, status_push_interval_s=0.2,
    ).start()  # fmt: skip
    config = processes.agent_config(GATEWAY, secure_mosquitto.port, mqtt=f'password = "{password}"')
    spool = processes.root / "agent" / "spool.sqlite"
    agent = processes.agent(config, "agent")

    wait_for(lambda: count_points(influxdb.url, influxdb.database) >= 20, what=f"first samples; {collector.log_tail()}")
    wait_for(lambda: _online(registry, GATEWAY), what="online in the registry")

    assert registry.request("PATCH", f"/api/v1/gateways/{GATEWAY}", json={"enabled": False}).status_code == 200
    # Revocation ends its online state at once, and a status push of samples still in flight cannot undo it.
    assert _online(registry, GATEWAY) is False
    queued_at_cut = read_spool(spool).queued
    wait_for(lambda: read_spool(spool).queued >= queued_at_cut + 40, what="the agent spooling while disabled")
    # The collector has learnt of the disabled state too (its periodic refresh): what the agent drains on
    # re-enabling arrives while the collector still believes the gateway disabled.
    wait_for(lambda: _directory_says_disabled(collector.state_dir), what="the collector's directory refreshed")
    assert _online(registry, GATEWAY) is False

    assert registry.request("PATCH", f"/api/v1/gateways/{GATEWAY}", json={"enabled": True}).status_code == 200
    wait_for(lambda: read_spool(spool).queued == 0, timeout=20, what="the spool drained after re-enabling")
    wait_for(lambda: _online(registry, GATEWAY), what="online again once it published after re-enabling")
    assert agent.stop() == 0
    state = read_spool(spool)
    assert state.queued == 0 and state.dropped == 0

    book = wait_complete(influxdb.url, influxdb.database, {GATEWAY: state.next_seq})
    dead = query(influxdb.url, f"SELECT {FIELD_COUNT}, {TAG_REASON} FROM {MEASUREMENT_DEAD_LETTER}", influxdb.database)[
        "results"
    ][0]
    assert book.complete and not dead.get("series"), f"{book.summary()}; dead letters: {dead.get('series')}"
    print(f"disable/re-enable: {book.summary()}")
