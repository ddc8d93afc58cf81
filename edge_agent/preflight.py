"""`i5g agent check`'s connection test: the steps the agent takes to reach its broker, one at a time, so a
failure names the step and the likely fix instead of the agent retrying forever in the background.

DNS -> TCP -> TLS handshake (when enabled, with the configured CA, client certificate and hostname check)
-> MQTT 5 CONNECT with the gateway's username, password and client id, answered by CONNACK. Imported only
by the check command: the agent's runtime never loads it.
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any

# CONNACK reason codes an operator can act on (MQTT 5.0 section 3.2.2.2; 3.1.1 codes for brokers that reply in
# the old protocol) -> what to do about it.
# Mosquitto answers a wrong password and a disabled or deleted identity alike (0x87 on MQTT 5, 0x86 from some
# brokers) and on purpose does not say which: the message names both causes and how to tell them apart.
_LOGIN_REFUSED = (
    "login refused: either the password is wrong (compare /etc/i5g/mqtt-password with the one shown when the "
    "gateway was registered; `i5g broker provision <id>` on the server makes a new one) or the gateway is "
    "disabled or deleted in the registry (its page shows which)"
)
_REFUSALS = {
    0x85: "the broker refused the client id (it must be the gateway id)",
    0x86: _LOGIN_REFUSED,
    0x87: _LOGIN_REFUSED,
    0x8A: "banned by the broker",
    0x84: "the broker does not speak MQTT 5 (Mosquitto 2 does)",
    0x88: "the broker is unavailable",
    0x89: "the broker is busy",
    0x9F: "connection rate exceeded: wait and retry",
}


@dataclass
class Step:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.name}: {'ok' if self.ok else 'FAILED'} {self.detail}".rstrip()


def check_connection(mqtt: dict[str, Any], client_id: str) -> list[Step]:
    """Run the steps in order and stop at the first failure. `mqtt` is the resolved [agent.mqtt] table."""
    host, port = str(mqtt["host"]), int(mqtt["port"])
    timeout = float(mqtt.get("connect_timeout_s") or 5.0)
    tls = mqtt.get("tls") or {}
    steps: list[Step] = []
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return [Step("dns", False, f"cannot resolve {host!r}: {exc.strerror} (check agent.mqtt.host and DNS)")]
    steps.append(Step("dns", True, f"{host} -> {', '.join(sorted({a[4][0] for a in addresses}))}"))

    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError:
        steps.append(Step("tcp", False, f"{host}:{port} refused the connection (wrong port, or no broker there)"))
        return steps
    except TimeoutError:
        steps.append(Step("tcp", False, f"no answer from {host}:{port} within {timeout:g} s (firewall or route)"))
        return steps
    except OSError as exc:
        steps.append(Step("tcp", False, f"{host}:{port}: {exc.strerror or exc}"))
        return steps
    steps.append(Step("tcp", True, f"connected to {host}:{port}"))

    if tls.get("enabled"):
        try:
            context = tls_context(tls)
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            steps.append(Step("tls", False, f"cannot load the TLS files: {exc} (agent.mqtt.tls)"))
            return steps
        try:
            with context.wrap_socket(sock, server_hostname=host) as tls_sock:
                version = tls_sock.version()
        except ssl.SSLCertVerificationError as exc:
            hint = "agent.mqtt.tls.ca_file must be the CA that signed the broker's certificate"
            if "hostname" in (exc.verify_message or "") or "IP address mismatch" in (exc.verify_message or ""):
                hint = f"the broker's certificate does not name {host!r}: use the name it was issued for"
            steps.append(Step("tls", False, f"certificate not accepted: {exc.verify_message}; {hint}"))
            return steps
        except (ssl.SSLError, OSError) as exc:
            steps.append(Step("tls", False, f"handshake failed: {exc} (is {port} a TLS listener?)"))
            return steps
        steps.append(Step("tls", True, f"{version}, certificate verified"))
    else:
        sock.close()

    steps.append(_mqtt_connect(mqtt, client_id, timeout))
    return steps


def tls_context(tls: dict[str, Any]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=tls.get("ca_file") or None)
    if tls.get("cert_file"):
        context.load_cert_chain(tls["cert_file"], tls.get("key_file") or None)
    if tls.get("insecure"):
        context.check_hostname = False
    return context


def _mqtt_connect(mqtt_cfg: dict[str, Any], client_id: str, timeout: float) -> Step:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    answered = threading.Event()
    outcome: dict[str, Any] = {}

    def on_connect(_client: Any, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        outcome["code"] = reason_code
        answered.set()

    def on_disconnect(_client: Any, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        outcome.setdefault("closed", reason_code)
        answered.set()

    # The agent's own client id: the broker pins each gateway to it. A running agent is taken over for a moment
    # and reconnects by itself (its samples stay in the spool).
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if mqtt_cfg.get("username"):
        client.username_pw_set(mqtt_cfg["username"], mqtt_cfg.get("password"))
    tls = mqtt_cfg.get("tls") or {}
    if tls.get("enabled"):
        client.tls_set_context(tls_context(tls))
    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    user = mqtt_cfg.get("username") or "(anonymous)"
    try:
        client.connect(str(mqtt_cfg["host"]), int(mqtt_cfg["port"]), keepalive=30)
        client.loop_start()
        if not answered.wait(timeout):
            return Step("mqtt", False, f"no CONNACK within {timeout:g} s (is this an MQTT listener?)")
    except (OSError, ValueError) as exc:
        return Step("mqtt", False, f"connect failed: {exc}")
    finally:
        client.disconnect()
        client.loop_stop()
    code = outcome.get("code")
    if code is None:
        return Step("mqtt", False, f"the broker closed the connection before CONNACK: {outcome.get('closed')}")
    if code.is_failure:
        value = int(code.value)
        return Step("mqtt", False, f"CONNECT as {user} refused ({code}): {_REFUSALS.get(value, 'see the broker log')}")
    return Step("mqtt", True, f"CONNECT as {user} accepted")
