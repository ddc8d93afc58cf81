"""Move a broker's gateway accounts into the gateway namespace (username `gw.<gateway id>`), offline.

Up to this version a gateway's broker username was its plain id, so an id could name a service account
(issue 16). Dynamic security keeps only salted password hashes and its control API cannot rename an account,
so the migration edits the plugin's JSON file while the broker is stopped: each account an older version
provisioned for a gateway (username = gateway id, our text name, the gateway's role only) is renamed and
keeps its password hash, so the gateways keep their passwords (the agent derives the new username itself).
It also rewrites every gateway role to the current ACLs (exact contract topics) and takes gateway roles
away from any account outside the namespace (what a hijack through a service name left behind).
Standard library plus the ACL design only; idempotent.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from i5g import contract
from i5g.files import write_private
from registry.broker.acl import GATEWAY_ROLE_PREFIX, gateway_acls
from registry.broker.service import is_legacy_gateway_client


@dataclass
class MigrationReport:
    renamed: list[str] = field(default_factory=list)  # gateway ids whose account moved into the namespace
    roles_rewritten: list[str] = field(default_factory=list)
    roles_stripped: list[str] = field(default_factory=list)  # "<account>: <role>" taken away

    @property
    def changed(self) -> bool:
        return bool(self.renamed or self.roles_rewritten or self.roles_stripped)


def migrate_dynsec_data(data: dict[str, Any]) -> MigrationReport:
    report = MigrationReport()
    clients: list[dict[str, Any]] = data.get("clients", [])
    taken = {client.get("username") for client in clients}
    for client in clients:
        if not is_legacy_gateway_client(client):
            continue
        gateway_id = client["username"]
        username = contract.broker_username(gateway_id)
        if username in taken:
            continue  # already provisioned in the namespace: the old account is left for the operator
        client["username"] = username
        if client.get("clientid") == gateway_id:
            client["clientid"] = username
        report.renamed.append(gateway_id)
    for client in clients:
        if contract.gateway_of_username(client.get("username", "")) is not None:
            continue
        roles = client.get("roles", [])
        kept = [role for role in roles if not str(role.get("rolename", "")).startswith(GATEWAY_ROLE_PREFIX)]
        if len(kept) != len(roles):
            report.roles_stripped += [
                f"{client.get('username')}: {role.get('rolename')}" for role in roles if role not in kept
            ]
            client["roles"] = kept
    for role in data.get("roles", []):
        name = str(role.get("rolename", ""))
        gateway_id = name[len(GATEWAY_ROLE_PREFIX) :]
        if not name.startswith(GATEWAY_ROLE_PREFIX) or not contract.is_gateway_id(gateway_id):
            continue
        acls = [acl.to_json() for acl in gateway_acls(gateway_id)]
        if role.get("acls") != acls:
            role["acls"] = acls
            report.roles_rewritten.append(name)
    return report


def migrate_dynsec_file(path: Path) -> MigrationReport:
    """Rewrite the plugin's file in place (atomically, owner-only). Run it while the broker is stopped:
    a running broker would overwrite the file with its own state."""
    data = json.loads(path.read_text())
    report = migrate_dynsec_data(data)
    if report.changed:
        owner = path.stat()
        write_private(path, data)
        if os.geteuid() == 0:  # run as root on the broker's volume: the broker's user must still read it
            os.chown(path, owner.st_uid, owner.st_gid)
    return report
