"""OPC UA server nodes (asyncua client, extra `agent-opcua`): node ids mapped to KPIs by the config.

Each node entry names the node id, the KPI, scale and offset (value = raw * scale + offset) and optionally the
unit the result is in (checked against the contract at start-up, edge_agent/settings.py). Two modes:
- subscribe (default): one subscription with a monitored item per node; the server sends changes, `read()`
  hands out the latest value of each node. A PLC's values that do not change cost no traffic.
- poll: `read()` sends one Read request for every node, once per agent tick (servers without subscriptions).

asyncua is asyncio-based; the source runs its own event loop in one daemon thread, which also keeps the
connection: it connects (security policy, user name and password as configured), reconnects with jittered
exponential backoff when the server goes away, and re-creates the subscription. While not connected `read()`
raises, so the agent logs it (rate-limited) and the other sources go on.

Node ids may name their namespace by URI (`nsu=http://www.siemens.com/simatic-s7-opcua;s=...`): the index is
looked up on every connect, since a server may renumber its namespaces when it is reconfigured.

A node the server refuses (unknown node id, no read access, a value that is not a number) costs that KPI only:
its reason (the OPC UA status code name) is logged once, kept in `problems` (which the agent puts in its
status message) and the other nodes keep flowing. It is forgotten as soon as the node gives a value again.

asyncua and its dependencies (cryptography among them) are imported when the source is built, so an agent
without OPC UA never loads them (measured in docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from pathlib import Path
from typing import Any

from edge_agent.publisher import backoff_delay  # full jitter, as the MQTT link reconnects
from edge_agent.sources.base import Reading, checked

log = logging.getLogger(__name__)

KEEPALIVE_S = 5.0  # asyncua's watchdog reads the server state this often; a closed socket is noticed at once
STOP_TIMEOUT_S = 5.0
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # announced in Hello: the largest response the agent accepts


def scaled(node: dict[str, Any], value: Any) -> float:
    """The node's raw value -> the KPI value; ValueError (with what it was) for anything but a number."""
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int | float):
        raise ValueError(f"value is {type(value).__name__}, not a number")
    return float(value) * float(node["scale"]) + float(node["offset"])


def key_material(path: str) -> Any:
    """A certificate or key file for asyncua, PEM or DER told by its content (asyncua goes by the file name, so
    a PEM key in `agent.key` would be read as DER)."""
    from asyncua.crypto.uacrypto import CertProperties

    content = Path(path).read_bytes()
    return CertProperties(content, extension="pem" if content.lstrip().startswith(b"-----BEGIN") else "der")


class OpcUaSource:
    name = "opcua"

    def __init__(self, config: dict[str, Any]) -> None:
        from asyncua import Client, ua  # lazily: only gateways reading OPC UA load asyncua (and cryptography)

        if not log.isEnabledFor(logging.DEBUG):
            # asyncua logs warnings and tracebacks on every lost connection and reconnect attempt; what an
            # operator needs (connected, lost, cannot connect and why, bad nodes) this source logs itself.
            logging.getLogger("asyncua").setLevel(logging.CRITICAL)

        self._ua = ua
        self._client_class = Client
        self.config = config
        self.endpoint: str = config["endpoint"]
        self.nodes: list[dict[str, Any]] = config["nodes"]
        self._problems: dict[str, str] = {}  # node id -> why it gives no value
        self.connects = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._values: dict[str, float] = {}  # KPI -> latest value (subscribe mode)
        self._client: Any = None  # the connected asyncua Client, only touched in the loop thread
        self._readable: list[tuple[Any, dict[str, Any]]] = []  # (NodeId, node config) of parseable node ids
        self._connected = threading.Event()
        self._stopping = False
        self._warned_clear_password = False
        self._loop = asyncio.new_event_loop()
        self._wake = asyncio.Event()  # set (in the loop) to stop waiting: connection lost or close()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._main(),), daemon=True)
        self._thread.name = "opcua"
        self._thread.start()

    # --------------------------------------------------------------------------------- the agent's side

    def read(self) -> Reading:
        if not self._connected.is_set():
            raise ConnectionError(f"not connected to {self.endpoint}: {self.last_error or 'connecting'}")
        if self.config["mode"] == "poll":
            future = asyncio.run_coroutine_threadsafe(self._poll(), self._loop)
            try:
                future.result(float(self.config["timeout_s"]) + 1.0)
            except TimeoutError:
                future.cancel()
                raise TimeoutError(f"{self.endpoint}: no answer to Read in {self.config['timeout_s']} s") from None
        with self._lock:
            return Reading(checked(dict(self._values)))

    @property
    def problems(self) -> dict[str, str]:
        """Node id -> why it gives no value (a copy: the loop thread changes it)."""
        with self._lock:
            return dict(self._problems)

    def wait_ready(self, timeout: float) -> None:
        """For `i5g agent check`: wait for the connection (and, subscribing, the first values) or its failure."""
        deadline = time.monotonic() + timeout
        while not self._connected.wait(0.05) and self.last_error is None and time.monotonic() < deadline:
            pass
        if self._connected.is_set() and self.config["mode"] == "subscribe":
            time.sleep(min(float(self.config["interval_s"]), max(0.0, deadline - time.monotonic())) + 0.2)

    def close(self) -> None:
        self._stopping = True
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._wake.set)
        self._thread.join(STOP_TIMEOUT_S + float(self.config["timeout_s"]))
        if not self._thread.is_alive():
            self._loop.close()

    # ------------------------------------------------------------------------------ per-node bookkeeping

    def _problem(self, node: dict[str, Any], reason: str) -> None:
        with self._lock:
            self._values.pop(node["kpi"], None)
            if self._problems.get(node["node_id"]) == reason:
                return
            self._problems[node["node_id"]] = reason
        log.warning("opcua: node %s (%s) gives no value: %s; the other nodes go on", node["node_id"], node["kpi"],
                    reason)  # fmt: skip

    def _value(self, node: dict[str, Any], data_value: Any) -> None:
        status = data_value.StatusCode
        if status is not None and not status.is_good():
            self._problem(node, status.name)
            return
        try:
            value = scaled(node, data_value.Value.Value if data_value.Value is not None else None)
        except ValueError as exc:
            self._problem(node, str(exc))
            return
        with self._lock:
            self._values[node["kpi"]] = value
            recovered = self._problems.pop(node["node_id"], None)
        if recovered:
            log.info("opcua: node %s (%s) gives values again", node["node_id"], node["kpi"])

    # ------------------------------------------------------------------------------------ the loop thread

    async def _main(self) -> None:
        rng = random.Random()
        attempt = 0
        while not self._stopping:
            self._wake.clear()
            try:
                await self._connect()
                attempt = 0
                await self._wake.wait()  # until the connection is lost or close() is called
                if not self._stopping:
                    self.last_error = "connection lost"
                    log.warning("opcua: lost the connection to %s", self.endpoint)
            except Exception as exc:
                self.last_error = self._explain(exc)
                level = logging.WARNING if attempt == 0 else logging.DEBUG
                log.log(level, "opcua: cannot connect to %s: %s", self.endpoint, self.last_error)
            await self._disconnect()
            if self._stopping:
                return
            delay = backoff_delay(attempt, self.config["reconnect_min_s"], self.config["reconnect_max_s"], rng)
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def _explain(self, exc: Exception) -> str:
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
        if isinstance(exc, TimeoutError):
            text = f"no answer in {float(self.config['timeout_s']) * 2:g} s"
            if self.config["security_policy"] != "None":
                # A server that cannot decrypt what was encrypted to another certificate just stays silent.
                text += " (is server_certificate_file this server's certificate? does it trust ours?)"
        elif "No matching endpoints" in text:
            text += f" (the server offers no endpoint with security_policy {self.config['security_policy']}"
            text += f" / {self.config['security_mode']})" if self.config["security_policy"] != "None" else ")"
        return text

    async def _connect(self) -> None:
        cfg, ua = self.config, self._ua
        timeout = float(cfg["timeout_s"])
        client = self._client_class(self.endpoint, timeout=timeout, watchdog_intervall=KEEPALIVE_S)
        client.application_uri = cfg["application_uri"]
        # asyncua asks for no limit by default: a server's answer could then be as large as it likes.
        client.max_messagesize = MAX_MESSAGE_BYTES
        client.name = client.description = "i5g edge agent"

        async def lost(_exc: Exception) -> None:
            self._connected.clear()
            self._wake.set()

        client.connection_lost_callback = lost
        if cfg["security_policy"] != "None":
            from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

            await client.set_security(
                SecurityPolicyBasic256Sha256,
                certificate=key_material(cfg["certificate_file"]),
                private_key=key_material(cfg["private_key_file"]),
                server_certificate=key_material(cfg["server_certificate_file"]),
                mode=getattr(ua.MessageSecurityMode, cfg["security_mode"]),
            )
        if cfg["username"]:
            client.set_user(cfg["username"])
            client.set_password(cfg["password"] or "")
        await asyncio.wait_for(client.connect(), timeout * 2)  # cleans up after itself when it fails
        self._client = client
        if cfg["password"] and not self._warned_clear_password:
            token = client.server_policy(ua.UserTokenType.UserName).SecurityPolicyUri or ""
            encrypted_channel = cfg["security_policy"] != "None" and cfg["security_mode"] == "SignAndEncrypt"
            if (not token or token.endswith("#None")) and not encrypted_channel:
                self._warned_clear_password = True
                log.warning(
                    "opcua: %s does not encrypt the password and the channel is not encrypted either: it crossed "
                    "the network readable (use security_policy Basic256Sha256, security_mode SignAndEncrypt)",
                    self.endpoint,
                )
        self._readable = []
        namespaces: list[str] = []
        for node in self.nodes:
            node_id = node["node_id"]
            if node_id.startswith("nsu="):
                # By namespace URI: the index it has on this server (it may change when the PLC is reconfigured).
                uri, _, rest = node_id[4:].partition(";")
                namespaces = namespaces or list(await client.get_namespace_array())
                if uri not in namespaces:
                    self._problem(node, f"namespace {uri!r} is not on this server")
                    continue
                node_id = f"ns={namespaces.index(uri)};{rest}"
            try:
                self._readable.append((ua.NodeId.from_string(node_id), node))
            except Exception as exc:  # the settings check the syntax; asyncua may still refuse one
                self._problem(node, f"node id not understood: {exc}")
        if cfg["mode"] == "subscribe":
            await self._subscribe(client)
        self.connects += 1
        self.last_error = None
        self._connected.set()
        log.info("opcua: connected to %s (%s, %d nodes)", self.endpoint, cfg["mode"], len(self.nodes))

    async def _subscribe(self, client: Any) -> None:
        by_node_id = {node_id: node for node_id, node in self._readable}
        source = self

        class Handler:
            def datachange_notification(self, node: Any, _val: Any, data: Any) -> None:
                config = by_node_id.get(node.nodeid)
                if config is not None:
                    source._value(config, data.monitored_item.Value)

            def status_change_notification(self, _status: Any) -> None:
                pass  # the subscription ended (server gone): the connection watchdog reports that

        interval_ms = float(self.config["interval_s"]) * 1000
        subscription = await client.create_subscription(interval_ms, Handler())
        nodes = [client.get_node(node_id) for node_id in by_node_id]
        handles = await subscription.subscribe_data_change(nodes, sampling_interval=interval_ms) if nodes else []
        for (_, config), handle in zip(self._readable, handles, strict=True):
            if isinstance(handle, self._ua.StatusCode):
                self._problem(config, handle.name)

    async def _poll(self) -> None:
        client = self._client
        if client is None or not self._readable:
            return
        ids = [node_id for node_id, _ in self._readable]
        results = await client.uaclient.read_attributes(ids, self._ua.AttributeIds.Value)
        for (_, config), data_value in zip(self._readable, results, strict=True):
            self._value(config, data_value)

    async def _disconnect(self) -> None:
        self._connected.clear()
        with self._lock:
            self._values.clear()
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), float(self.config["timeout_s"]))
