"""A client for Mosquitto's dynamic-security plugin, spoken over MQTT with paho.

Commands go to `$CONTROL/dynamic-security/v1` as `{"commands": [...]}`; the plugin answers on
`.../response` with `{"responses": [...]}`, one entry per command, echoing the command's `correlationData`.
Every command we send carries a fresh correlation id, so concurrent callers sharing one connection (and other
admin tools on the same broker) never pick up each other's answers.
"""

from __future__ import annotations

import json
import ssl
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import paho.mqtt.client as mqtt

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"

# The error strings Mosquitto 2.0 answers with; callers tolerate some of them to stay idempotent.
CLIENT_EXISTS = "Client already exists"
CLIENT_NOT_FOUND = "Client not found"
ROLE_EXISTS = "Role already exists"
ROLE_NOT_FOUND = "Role not found"
ACL_EXISTS = "ACL with this topic already exists"


class DynsecError(RuntimeError):
    """Any failure talking to the dynamic-security plugin."""


class BrokerUnavailable(DynsecError):
    """The broker cannot be reached, refused the admin login, or did not answer in time."""


class DynsecCommandError(DynsecError):
    """The plugin rejected a command (it says why in `error`)."""

    def __init__(self, command: str, error: str, detail: str = "") -> None:
        self.command = command
        self.error = error
        super().__init__(f"dynamic-security {command} failed: {error}{f' ({detail})' if detail else ''}")


@dataclass(frozen=True)
class Acl:
    """One ACL entry of a role. acltype: publishClientSend, publishClientReceive, subscribeLiteral,
    subscribePattern, unsubscribeLiteral or unsubscribePattern. Higher priority is checked first."""

    acltype: str
    topic: str
    allow: bool = True
    priority: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"acltype": self.acltype, "topic": self.topic, "allow": self.allow, "priority": self.priority}


class DynsecClient:
    """One admin connection. Use as a context manager: `with DynsecClient(...) as dynsec: ...`."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        *,
        tls: bool = False,
        ca_file: Path | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._where = f"{'mqtts' if tls else 'mqtt'}://{host}:{port}"
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"i5g-dynsec-{uuid.uuid4().hex[:12]}", protocol=mqtt.MQTTv5
        )
        self._client.username_pw_set(username, password)
        if tls:
            self._client.tls_set(ca_certs=str(ca_file) if ca_file else None, cert_reqs=ssl.CERT_REQUIRED)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._acks: dict[int, Any] = {}  # mid -> PUBACK reason code
        self._cond = threading.Condition()
        self._connect_result: mqtt.ReasonCode | None = None
        self._subscribed: list[mqtt.ReasonCode] | None = None
        self._pending: dict[str, dict[str, Any] | None] = {}
        self._disconnected = False

    @classmethod
    def from_settings(cls, settings: Any) -> DynsecClient:
        """From a registry.broker.settings.BrokerSettings (typed Any to keep this module free of pydantic)."""
        return cls(
            settings.host,
            settings.port,
            settings.admin_username,
            settings.admin_password.get_secret_value(),
            tls=settings.tls,
            ca_file=settings.ca_file,
            timeout=settings.timeout_s,
        )

    # ------------------------------------------------------------------------------------------- connection

    def connect(self) -> Self:
        try:
            self._client.connect(self.host, self.port, keepalive=30)
        except (OSError, ssl.SSLError) as exc:
            raise BrokerUnavailable(f"cannot reach the broker at {self._where}: {exc}") from None
        self._client.loop_start()
        try:
            self._wait(lambda: self._connect_result is not None, "the broker's CONNACK")
            assert self._connect_result is not None
            if self._connect_result.is_failure:
                raise BrokerUnavailable(f"the broker at {self._where} refused the admin login: {self._connect_result}")
            self._client.subscribe(RESPONSE_TOPIC, qos=1)
            self._wait(lambda: self._subscribed is not None, "the subscription to the control responses")
            assert self._subscribed is not None
            if any(code.is_failure for code in self._subscribed):
                raise BrokerUnavailable(
                    f"the admin account may not subscribe to {RESPONSE_TOPIC} on {self._where} "
                    "(does it hold dynsec's admin role?)"
                )
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> Self:
        return self.connect()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: mqtt.ReasonCode, props: Any) -> None:
        with self._cond:
            self._connect_result = reason
            self._cond.notify_all()

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: list, props: Any) -> None:
        with self._cond:
            self._subscribed = list(reasons)
            self._cond.notify_all()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        with self._cond:
            self._disconnected = True
            self._cond.notify_all()

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        with self._cond:
            self._acks[mid] = reason
            self._cond.notify_all()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            responses = json.loads(message.payload)["responses"]
        except (ValueError, KeyError, TypeError):
            return  # not an answer we can read; ours always parse
        with self._cond:
            for response in responses:
                key = response.get("correlationData") if isinstance(response, dict) else None
                if key in self._pending:
                    self._pending[key] = response
            self._cond.notify_all()

    def _wait(self, done: Any, what: str) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: done() or self._disconnected, timeout=self.timeout):
                raise BrokerUnavailable(f"no answer from {self._where} within {self.timeout:g}s waiting for {what}")
            if not done():
                raise BrokerUnavailable(f"the broker at {self._where} closed the admin connection")

    # ------------------------------------------------------------------------------------------- commands

    def execute(self, commands: Sequence[dict[str, Any]], tolerate: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Send commands in one message; return their responses in order.

        Raises DynsecCommandError for the first response carrying an error not in `tolerate` (Mosquitto
        still runs the commands after a failed one: they are independent).
        """
        keys = [uuid.uuid4().hex for _ in commands]
        payload = {
            "commands": [{**command, "correlationData": key} for command, key in zip(commands, keys, strict=True)]
        }
        with self._cond:
            self._pending.update(dict.fromkeys(keys))
        try:
            info = self._client.publish(CONTROL_TOPIC, json.dumps(payload), qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                raise BrokerUnavailable(
                    f"cannot publish to {CONTROL_TOPIC} on {self._where}: {mqtt.error_string(info.rc)}"
                )
            self._wait(lambda: all(self._pending[key] is not None for key in keys), f"{len(keys)} dynsec answer(s)")
            with self._cond:
                responses = [self._pending[key] or {} for key in keys]
        finally:
            with self._cond:
                for key in keys:
                    self._pending.pop(key, None)
        allowed = set(tolerate)
        for command, response in zip(commands, responses, strict=True):
            error = response.get("error")
            if error and error not in allowed:
                raise DynsecCommandError(command["command"], error, _subject(command))
        return responses

    def publish_retained(self, topic: str, payload: bytes, qos: int = 1) -> None:
        """Publish a retained message (QoS 1) and wait for the broker's PUBACK; DynsecError if it refused it."""
        info = self._client.publish(topic, payload, qos=qos, retain=True)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise BrokerUnavailable(f"cannot publish to {topic} on {self._where}: {mqtt.error_string(info.rc)}")
        self._wait(lambda: info.mid in self._acks, f"the PUBACK for {topic}")
        with self._cond:
            reason = self._acks.pop(info.mid)
        if getattr(reason, "is_failure", False):
            raise DynsecCommandError("publish", str(reason), f"topic={topic}")

    def run(self, command: str, tolerate: Iterable[str] = (), **fields: Any) -> dict[str, Any]:
        """One command; returns its response (`data` holds what get/list commands return)."""
        return self.execute([{"command": command, **fields}], tolerate)[0]

    # Thin wrappers for the commands the services use: names and fields as in the plugin's documentation.

    def create_role(self, rolename: str, acls: Sequence[Acl] = (), tolerate: Iterable[str] = ()) -> dict[str, Any]:
        return self.run("createRole", tolerate, rolename=rolename, acls=[acl.to_json() for acl in acls])

    def add_role_acl(self, rolename: str, acl: Acl, tolerate: Iterable[str] = ()) -> dict[str, Any]:
        return self.run("addRoleACL", tolerate, rolename=rolename, **acl.to_json())

    def remove_role_acl(self, rolename: str, acltype: str, topic: str) -> dict[str, Any]:
        return self.run("removeRoleACL", rolename=rolename, acltype=acltype, topic=topic)

    def get_role(self, rolename: str) -> dict[str, Any] | None:
        response = self.run("getRole", (ROLE_NOT_FOUND,), rolename=rolename)
        return None if response.get("error") else response["data"]["role"]

    def delete_role(self, rolename: str, tolerate: Iterable[str] = ()) -> dict[str, Any]:
        return self.run("deleteRole", tolerate, rolename=rolename)

    def create_client(
        self,
        username: str,
        password: str,
        roles: Sequence[str] = (),
        *,
        clientid: str | None = None,
        textname: str | None = None,
        tolerate: Iterable[str] = (),
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {"username": username, "password": password}
        fields["roles"] = [{"rolename": role} for role in roles]
        if clientid:
            fields["clientid"] = clientid
        if textname:
            fields["textname"] = textname
        return self.run("createClient", tolerate, **fields)

    def get_client(self, username: str) -> dict[str, Any] | None:
        response = self.run("getClient", (CLIENT_NOT_FOUND,), username=username)
        return None if response.get("error") else response["data"]["client"]

    def list_clients(self) -> list[str]:
        return list(self.run("listClients", verbose=False, count=-1, offset=0)["data"]["clients"])

    def set_client_password(self, username: str, password: str) -> dict[str, Any]:
        return self.run("setClientPassword", username=username, password=password)

    def add_client_role(
        self, username: str, rolename: str, tolerate: Iterable[str] = (), priority: int | None = None
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {"username": username, "rolename": rolename}
        if priority is not None:
            fields["priority"] = priority  # roles of higher priority are checked first
        return self.run("addClientRole", tolerate, **fields)

    def enable_client(self, username: str) -> dict[str, Any]:
        return self.run("enableClient", username=username)

    def disable_client(self, username: str, tolerate: Iterable[str] = ()) -> dict[str, Any]:
        """Refuses new logins and disconnects every connected session of this username at once."""
        return self.run("disableClient", tolerate, username=username)

    def delete_client(self, username: str, tolerate: Iterable[str] = ()) -> dict[str, Any]:
        """Removes the client; connected sessions are disconnected (Mosquitto kicks them)."""
        return self.run("deleteClient", tolerate, username=username)


def _subject(command: dict[str, Any]) -> str:
    for key in ("username", "rolename", "groupname"):
        if key in command:
            return f"{key}={command[key]}"
    return ""
