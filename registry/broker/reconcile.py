"""Bring the broker's gateway identities back in line with the registry (`i5g broker reconcile`).

Needed after restoring an older `dynamic-security.json` (or an older registry backup): the broker file then
brings back gateways deleted since, lets disabled ones in again and lacks gateways registered since. The
registry is the truth for which gateways exist and whether they may connect; the broker is made to match:

- a gateway identity the registry does not have: deleted (client and role; connected sessions kicked);
- a gateway the registry has disabled: disabled at the broker;
- a gateway the registry has enabled: enabled at the broker, or created with a new password (reported once)
  when the broker has none;
- every other broker client (admin, collector, other service accounts): never touched;
- every gateway role the registry keeps: brought to the current ACLs (an upgrade that added a topic).

Passwords cannot be compared (the broker stores salted hashes only): a gateway whose password was rotated
after the broker backup has its old password again; rotate it (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from i5g import contract
from registry.broker import service
from registry.broker.acl import gateway_role
from registry.broker.dynsec import DynsecClient


def gateway_id_of(client: Mapping[str, Any]) -> str | None:
    """The gateway a broker client is the identity of, or None for any other client.

    The one place that decides "is this a gateway client": its username is in the gateways' namespace
    (`contract.broker_username`) and it holds that gateway's role. An admin or service account can never be in
    that namespace (registry.broker.settings refuses it), so it is never reconciled."""
    gateway_id = contract.gateway_of_username(str(client.get("username", "")))
    roles = {role.get("rolename") for role in client.get("roles", [])}
    if gateway_id is not None and gateway_role(gateway_id) in roles:
        return gateway_id
    return None


def registry_gateways(session: Session) -> dict[str, bool]:
    """Every gateway the registry has, and whether it is enabled."""
    import registry.models  # noqa: F401  (every mapped class, so relationships resolve in a bare CLI process)
    from registry.gateways.models import Gateway

    return {gateway_id: enabled for gateway_id, enabled in session.execute(select(Gateway.id, Gateway.enabled))}


def registry_sparkplug(session: Session) -> dict[str, tuple[str, str]]:
    """Every gateway declared a Sparkplug edge node: gateway id -> (group id, edge node id)."""
    import registry.models  # noqa: F401
    from registry.sparkplug.models import SparkplugNode

    rows = session.execute(select(SparkplugNode.gateway_id, SparkplugNode.group_id, SparkplugNode.edge_node_id))
    return {gateway_id: (group, node) for gateway_id, group, node in rows}


@dataclass
class Reconciliation:
    deleted: list[str] = field(default_factory=list)  # at the broker, unknown to the registry
    disabled: list[str] = field(default_factory=list)  # disabled in the registry, enabled at the broker
    enabled: list[str] = field(default_factory=list)  # enabled in the registry, disabled at the broker
    created: dict[str, str] = field(default_factory=dict)  # enabled in the registry, missing: new password
    missing_disabled: list[str] = field(default_factory=list)  # get a password when enabled (registry hook)
    others: list[str] = field(default_factory=list)  # admin and service accounts: left alone
    sparkplug: list[str] = field(default_factory=list)  # Sparkplug edge node roles (re)made as declared

    @property
    def changes(self) -> int:
        return len(self.deleted) + len(self.disabled) + len(self.enabled) + len(self.created) + len(self.sparkplug)


def reconcile(
    dynsec: DynsecClient,
    registry: Mapping[str, bool],
    *,
    dry_run: bool = False,
    sparkplug: Mapping[str, tuple[str, str]] | None = None,
) -> Reconciliation:
    """Make the broker's gateway identities match `registry` (gateway id -> enabled), and the Sparkplug roles
    match `sparkplug` (gateway id -> (group, node)). With dry_run, only report what would change (`created`
    then maps to an empty password)."""
    result = Reconciliation()
    at_broker: dict[str, bool] = {}  # gateway id -> disabled at the broker
    for username in dynsec.list_clients():
        client = dynsec.get_client(username)
        gateway_id = gateway_id_of(client) if client else None
        if client is None:
            continue  # deleted meanwhile by someone else
        if gateway_id is None:
            result.others.append(username)
        else:
            at_broker[gateway_id] = bool(client.get("disabled", False))
    for gateway_id, disabled in sorted(at_broker.items()):
        if gateway_id not in registry:
            result.deleted.append(gateway_id)
            if not dry_run:
                service.delete_gateway(dynsec, gateway_id)
        elif not registry[gateway_id] and not disabled:
            result.disabled.append(gateway_id)
            if not dry_run:
                service.revoke_gateway(dynsec, gateway_id)
        elif registry[gateway_id] and disabled:
            result.enabled.append(gateway_id)
            if not dry_run:
                service.restore_gateway(dynsec, gateway_id)
        if gateway_id in registry and not dry_run:
            # Roles made by an older version get the current ACLs (e.g. reading their own config topic).
            service.ensure_gateway_acls(dynsec, gateway_id)
    for gateway_id, enabled in sorted(registry.items()):
        if gateway_id in at_broker:
            continue
        if not enabled:
            result.missing_disabled.append(gateway_id)
        elif dry_run:
            result.created[gateway_id] = ""
        else:
            result.created[gateway_id] = service.provision_gateway(dynsec, gateway_id, pin_client_id=True)
    for gateway_id, (group, node) in sorted((sparkplug or {}).items()):
        if gateway_id in registry and service.sparkplug_role_differs(dynsec, gateway_id, group, node):
            result.sparkplug.append(gateway_id)
            if not dry_run:
                service.declare_sparkplug(dynsec, gateway_id, group, node)
    return result
