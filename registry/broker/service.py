"""Broker identities for gateways and the collector, on a connected DynsecClient. Every function is
idempotent: running it again converges on the same state (the stack and the registry may both call it)."""

from __future__ import annotations

import secrets

from i5g import contract
from registry.broker.acl import COLLECTOR_ROLE, collector_acls, gateway_acls, gateway_role
from registry.broker.dynsec import (
    ACL_EXISTS,
    CLIENT_EXISTS,
    CLIENT_NOT_FOUND,
    ROLE_EXISTS,
    ROLE_NOT_FOUND,
    Acl,
    DynsecClient,
)


def new_password() -> str:
    # 192 bits; URL-safe so it survives TOML, env files and shell quoting.
    return secrets.token_urlsafe(24)


def _ensure_role(dynsec: DynsecClient, rolename: str, acls: list[Acl]) -> None:
    response = dynsec.create_role(rolename, acls, tolerate=(ROLE_EXISTS,))
    if response.get("error") == ROLE_EXISTS:
        # A role left by an earlier run (or older version): make sure it grants at least what it should.
        for acl in acls:
            dynsec.add_role_acl(rolename, acl, tolerate=(ACL_EXISTS,))


def _ensure_client(
    dynsec: DynsecClient, username: str, password: str, rolename: str, *, clientid: str | None, textname: str
) -> None:
    response = dynsec.create_client(
        username, password, [rolename], clientid=clientid, textname=textname, tolerate=(CLIENT_EXISTS,)
    )
    if response.get("error") == CLIENT_EXISTS:
        # Re-provisioning rotates the password and lifts a previous revocation.
        dynsec.set_client_password(username, password)
        existing = dynsec.get_client(username) or {}
        # Mosquitto 2.0 answers "Internal error" to adding a role the client already has: check first.
        if rolename not in {role["rolename"] for role in existing.get("roles", [])}:
            dynsec.add_client_role(username, rolename)
        dynsec.enable_client(username)


def provision_gateway(
    dynsec: DynsecClient, gateway_id: str, *, password: str | None = None, pin_client_id: bool = False
) -> str:
    """Create (or rotate) the gateway's identity: username = gateway id; returns the password, which is
    stored nowhere but in the broker's salted hash: show it once.

    pin_client_id: only MQTT client id == gateway id may log in with it, so a gateway cannot take over
    another's session by connecting with its client id.
    """
    if not contract.is_gateway_id(gateway_id):
        raise ValueError(f"not a gateway id: {gateway_id!r} (must match {contract.GATEWAY_ID_PATTERN})")
    rolename = gateway_role(gateway_id)
    _ensure_role(dynsec, rolename, gateway_acls(gateway_id))
    password = password or new_password()
    _ensure_client(
        dynsec,
        gateway_id,
        password,
        rolename,
        clientid=gateway_id if pin_client_id else None,
        textname=f"i5g gateway {gateway_id}",
    )
    return password


def revoke_gateway(dynsec: DynsecClient, gateway_id: str) -> bool:
    """Refuse its logins and disconnect it now. False when the broker never knew this gateway."""
    return not dynsec.disable_client(gateway_id, tolerate=(CLIENT_NOT_FOUND,)).get("error")


def restore_gateway(dynsec: DynsecClient, gateway_id: str) -> bool:
    """Lift a revocation (same password as before). False when there is no identity to restore."""
    if dynsec.get_client(gateway_id) is None:
        return False
    dynsec.enable_client(gateway_id)
    return True


def delete_gateway(dynsec: DynsecClient, gateway_id: str) -> None:
    """Remove the identity and its role (connected sessions are disconnected)."""
    dynsec.delete_client(gateway_id, tolerate=(CLIENT_NOT_FOUND,))
    dynsec.delete_role(gateway_role(gateway_id), tolerate=(ROLE_NOT_FOUND,))


def ensure_collector(dynsec: DynsecClient, username: str, password: str) -> None:
    """The collector's identity: the `i5g-collector` role (all telemetry and status, shared or not)."""
    _ensure_role(dynsec, COLLECTOR_ROLE, collector_acls())
    _ensure_client(dynsec, username, password, COLLECTOR_ROLE, clientid=None, textname="i5g collector")
