"""Broker identities for gateways and the collector, on a connected DynsecClient. Every function is
idempotent: running it again converges on the same state (the stack and the registry may both call it)."""

from __future__ import annotations

import contextlib
import secrets

from i5g import contract
from registry.broker.acl import (
    COLLECTOR_ROLE,
    CONFIG_PUBLISHER_ROLE,
    SPARKPLUG_ROLE_PRIORITY,
    collector_acls,
    config_publisher_acls,
    gateway_acls,
    gateway_role,
    sparkplug_acls,
    sparkplug_role,
)
from registry.broker.dynsec import (
    ACL_EXISTS,
    CLIENT_EXISTS,
    CLIENT_NOT_FOUND,
    ROLE_EXISTS,
    ROLE_NOT_FOUND,
    Acl,
    BrokerUnavailable,
    DynsecClient,
    DynsecError,
)


def new_password() -> str:
    # 192 bits; URL-safe so it survives TOML, env files and shell quoting.
    return secrets.token_urlsafe(24)


class ForeignClient(DynsecError):
    """The broker already has an account of that name that provisioning did not create for this purpose."""


def _ensure_role(dynsec: DynsecClient, rolename: str, acls: list[Acl]) -> None:
    """Create the role, or bring an existing one (earlier run, older version) to exactly these ACLs."""
    response = dynsec.create_role(rolename, acls, tolerate=(ROLE_EXISTS,))
    if response.get("error") != ROLE_EXISTS:
        return
    wanted = {(acl.acltype, acl.topic): acl for acl in acls}
    present = (dynsec.get_role(rolename) or {}).get("acls", [])
    for entry in present:
        key = (entry.get("acltype"), entry.get("topic"))
        acl = wanted.get(key)
        if acl is None or acl.to_json() != {k: entry.get(k) for k in ("acltype", "topic", "allow", "priority")}:
            dynsec.remove_role_acl(rolename, entry["acltype"], entry["topic"])
        else:
            del wanted[key]
    for acl in wanted.values():
        dynsec.add_role_acl(rolename, acl, tolerate=(ACL_EXISTS,))


def _ensure_client(
    dynsec: DynsecClient,
    username: str,
    password: str,
    rolename: str,
    *,
    clientid: str | None,
    textname: str,
    extra_roles: frozenset[str] = frozenset(),
) -> None:
    response = dynsec.create_client(
        username, password, [rolename], clientid=clientid, textname=textname, tolerate=(CLIENT_EXISTS,)
    )
    if response.get("error") == CLIENT_EXISTS:
        existing = dynsec.get_client(username) or {}
        roles = {role["rolename"] for role in existing.get("roles", [])}
        # Only an account this module made for the same purpose may be rotated: same text name, no role but
        # its own. Anything else (the admin, a hand-made account) is left exactly as it is.
        if existing.get("textname") != textname or not roles <= {rolename, *extra_roles}:
            raise ForeignClient(f"the broker account {username!r} exists and was not made for {textname!r}")
        # Re-provisioning rotates the password and lifts a previous revocation.
        dynsec.set_client_password(username, password)
        # Mosquitto 2.0 answers "Internal error" to adding a role the client already has: check first.
        if rolename not in roles:
            dynsec.add_client_role(username, rolename)
        dynsec.enable_client(username)


def _gateway_textname(gateway_id: str) -> str:
    return f"i5g gateway {gateway_id}"


def _check_gateway_id(gateway_id: str) -> None:
    if not contract.is_gateway_id(gateway_id):
        raise ValueError(f"not a gateway id: {gateway_id!r} (must match {contract.GATEWAY_ID_PATTERN})")
    if contract.is_reserved_gateway_id(gateway_id):
        raise ValueError(f"{gateway_id!r} is reserved for the platform's own services")


def provision_gateway(
    dynsec: DynsecClient, gateway_id: str, *, password: str | None = None, pin_client_id: bool = False
) -> str:
    """Create (or rotate) the gateway's identity: username = contract.broker_username(gateway id); returns
    the password, which is stored nowhere but in the broker's salted hash: show it once.

    pin_client_id: only MQTT client id == that username may log in with it, so a gateway cannot take over
    another's (or a service's) session by connecting with its client id.
    """
    _check_gateway_id(gateway_id)
    rolename = gateway_role(gateway_id)
    username = contract.broker_username(gateway_id)
    _ensure_role(dynsec, rolename, gateway_acls(gateway_id))
    password = password or new_password()
    _ensure_client(
        dynsec,
        username,
        password,
        rolename,
        clientid=username if pin_client_id else None,
        textname=_gateway_textname(gateway_id),
        extra_roles=frozenset({sparkplug_role(gateway_id)}),  # its Sparkplug edge node, if declared
    )
    if dynsec.get_role(sparkplug_role(gateway_id)) is not None:  # declared before the identity was (re)made
        _attach_sparkplug_role(dynsec, username, gateway_id)
    return password


def _client_roles(dynsec: DynsecClient, username: str) -> set[str]:
    return {role["rolename"] for role in (dynsec.get_client(username) or {}).get("roles", [])}


def _attach_sparkplug_role(dynsec: DynsecClient, username: str, gateway_id: str) -> None:
    rolename = sparkplug_role(gateway_id)
    if rolename not in _client_roles(dynsec, username):  # Mosquitto 2.0 answers "Internal error" to adding a role twice
        dynsec.add_client_role(username, rolename, priority=SPARKPLUG_ROLE_PRIORITY)


def declare_sparkplug(dynsec: DynsecClient, gateway_id: str, group: str, node: str) -> bool:
    """Let the gateway's broker identity act as Sparkplug edge node group/node (registry/broker/acl.py); a
    later declaration replaces an earlier one. False when the broker has no identity for the gateway yet."""
    username = _own_gateway_client(dynsec, gateway_id)
    rolename = sparkplug_role(gateway_id)
    _ensure_role(dynsec, rolename, sparkplug_acls(group, node))
    if username is None:
        return False
    _attach_sparkplug_role(dynsec, username, gateway_id)
    return True


def sparkplug_role_differs(dynsec: DynsecClient, gateway_id: str, group: str, node: str) -> bool:
    """True when the broker lacks the gateway's Sparkplug role as declared, or its identity lacks the role."""
    wanted = sorted((acl.acltype, acl.topic, acl.allow, acl.priority) for acl in sparkplug_acls(group, node))
    present = sorted(
        (a.get("acltype"), a.get("topic"), a.get("allow"), a.get("priority"))
        for a in (dynsec.get_role(sparkplug_role(gateway_id)) or {}).get("acls", [])
    )
    username = _own_gateway_client(dynsec, gateway_id)
    return wanted != present or (
        username is not None and sparkplug_role(gateway_id) not in _client_roles(dynsec, username)
    )


def withdraw_sparkplug(dynsec: DynsecClient, gateway_id: str) -> None:
    """The gateway is no longer a Sparkplug edge node: the role goes, and with it every Sparkplug topic."""
    _check_gateway_id(gateway_id)
    dynsec.delete_role(sparkplug_role(gateway_id), tolerate=(ROLE_NOT_FOUND,))


def _own_gateway_client(dynsec: DynsecClient, gateway_id: str) -> str | None:
    """The broker username of the account provisioning made for this gateway, if the broker holds one.

    Falls back to the pre-namespace account (username = plain gateway id) only when it is provably ours
    (our text name, no role but the gateway's), so revoking still works on a broker not yet migrated.
    """
    _check_gateway_id(gateway_id)
    username = contract.broker_username(gateway_id)
    existing = dynsec.get_client(username)
    if existing is not None:
        if existing.get("textname") != _gateway_textname(gateway_id):
            raise ForeignClient(f"the broker account {username!r} was not made for gateway {gateway_id!r}")
        return username
    legacy = dynsec.get_client(gateway_id)
    if legacy is not None and is_legacy_gateway_client(legacy):
        return gateway_id
    return None


def is_legacy_gateway_client(client: dict) -> bool:
    """An account an older version provisioned for a gateway: username = gateway id, its text name, its role only."""
    username = client.get("username", "")
    roles = [role.get("rolename") for role in client.get("roles", [])]
    return (
        contract.is_gateway_id(username)
        and client.get("textname") == _gateway_textname(username)
        and roles == [gateway_role(username)]
    )


def revoke_gateway(dynsec: DynsecClient, gateway_id: str) -> bool:
    """Refuse its logins and disconnect it now. False when the broker never knew this gateway."""
    username = _own_gateway_client(dynsec, gateway_id)
    return username is not None and not dynsec.disable_client(username, tolerate=(CLIENT_NOT_FOUND,)).get("error")


def restore_gateway(dynsec: DynsecClient, gateway_id: str) -> bool:
    """Lift a revocation (same password as before). False when there is no identity to restore."""
    username = _own_gateway_client(dynsec, gateway_id)
    if username is None:
        return False
    dynsec.enable_client(username)
    return True


def delete_gateway(dynsec: DynsecClient, gateway_id: str) -> None:
    """Remove the identity and its role (connected sessions are disconnected)."""
    username = _own_gateway_client(dynsec, gateway_id)
    if username is not None:
        dynsec.delete_client(username, tolerate=(CLIENT_NOT_FOUND,))
    dynsec.delete_role(gateway_role(gateway_id), tolerate=(ROLE_NOT_FOUND,))
    dynsec.delete_role(sparkplug_role(gateway_id), tolerate=(ROLE_NOT_FOUND,))


def ensure_collector(dynsec: DynsecClient, username: str, password: str) -> None:
    """The collector's identity: the `i5g-collector` role (all telemetry and status, shared or not)."""
    if username.startswith(contract.GATEWAY_USERNAME_PREFIX):
        raise ValueError(f"{username!r} is in the gateways' namespace ({contract.GATEWAY_USERNAME_PREFIX}...)")
    _ensure_role(dynsec, COLLECTOR_ROLE, collector_acls())
    _ensure_client(dynsec, username, password, COLLECTOR_ROLE, clientid=None, textname="i5g collector")


def ensure_gateway_acls(dynsec: DynsecClient, gateway_id: str) -> None:
    """Bring an existing gateway role to the current ACLs (e.g. the config topic added in 0.3)."""
    _ensure_role(dynsec, gateway_role(gateway_id), gateway_acls(gateway_id))


def ensure_config_publisher(dynsec: DynsecClient, admin_username: str) -> bool:
    """Give the account the registry connects with the config-publisher role (dynsec's own `admin` role may not
    publish outside $CONTROL). True when the role was added just now: Mosquitto then disconnects that
    account's sessions, this one included, so the caller publishes on a new connection."""
    _ensure_role(dynsec, CONFIG_PUBLISHER_ROLE, config_publisher_acls())
    admin = dynsec.get_client(admin_username) or {}
    if CONFIG_PUBLISHER_ROLE in {role.get("rolename") for role in admin.get("roles", [])}:
        return False
    # Kicked before the answer came: the role is there (checked again on the next connection).
    with contextlib.suppress(BrokerUnavailable):
        dynsec.add_client_role(admin_username, CONFIG_PUBLISHER_ROLE)
    return True


def publish_config(dynsec: DynsecClient, gateway_id: str, payload: bytes) -> None:
    """Publish the gateway's desired agent configuration retained on its config topic (payload: empty to
    clear it). The connection's account needs the config-publisher role (ensure_config_publisher)."""
    _check_gateway_id(gateway_id)
    dynsec.publish_retained(contract.config_topic(gateway_id), payload, qos=contract.CONFIG_QOS)
