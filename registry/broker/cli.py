"""`i5g broker collector|provision|revoke|restore|delete|reconcile`: broker identities by hand (operations, compose).

The admin connection comes from I5G_BROKER_ADMIN_URL / _USERNAME / _PASSWORD (or the [broker] table).
Normally the registry provisions gateways itself; these commands are for the collector's identity, for
rotating a lost gateway password and for emergencies. Only argparse at import time (see i5g/cli.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("broker", help="MQTT broker identities (Mosquitto dynamic security)")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(
        dest="broker_action", metavar="{collector,provision,revoke,restore,delete,migrate-file,reconcile}"
    )

    collector = actions.add_parser("collector", help="create or update the collector's identity (idempotent)")
    collector.add_argument("--username", default="i5g-collector")
    collector.add_argument(
        "--password-file", type=Path, help="file holding the password (default: $I5G_BROKER_COLLECTOR_PASSWORD)"
    )
    collector.set_defaults(handler=_collector, parser_for_help=collector)

    for name, text in (
        ("provision", "create a gateway identity or rotate its password; prints the password once"),
        ("revoke", "refuse a gateway's logins and disconnect it now"),
        ("restore", "lift a revocation (same password as before)"),
        ("delete", "remove a gateway identity and its role"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("gateway_id")
        action.set_defaults(handler=_gateway_action, parser_for_help=action, action_name=name)

    migrate = actions.add_parser(
        "migrate-file",
        help="with the broker STOPPED: move gateway accounts into the gw.<id> namespace (passwords kept)",
    )
    migrate.add_argument("dynsec_file", type=Path, help="the plugin's dynamic-security.json")
    migrate.set_defaults(handler=_migrate_file, parser_for_help=migrate)
    reconcile = actions.add_parser(
        "reconcile",
        help="make the broker's gateway identities match the registry (after restoring a backup); "
        "prints new passwords once",
    )
    reconcile.add_argument("--dry-run", action="store_true", help="only print what would change")
    reconcile.set_defaults(handler=_reconcile, parser_for_help=reconcile)


def _run(work: Any) -> Any:
    from i5g.cli import CommandError, load_settings
    from registry.broker.dynsec import DynsecClient, DynsecError
    from registry.broker.settings import BrokerSettings

    settings = load_settings(BrokerSettings)
    if not settings.enabled:
        raise CommandError("set I5G_BROKER_ADMIN_URL (and _USERNAME, _PASSWORD) to reach the broker")
    try:
        with DynsecClient.from_settings(settings) as dynsec:
            return work(dynsec)
    except (DynsecError, ValueError) as exc:
        raise CommandError(str(exc)) from None


def _collector(args: argparse.Namespace) -> int:
    from i5g.cli import CommandError
    from registry.broker.service import ensure_collector

    if args.password_file:
        password = args.password_file.read_text().strip()
    else:
        password = os.environ.get("I5G_BROKER_COLLECTOR_PASSWORD", "")
    if not password:
        raise CommandError("no collector password: use --password-file or I5G_BROKER_COLLECTOR_PASSWORD")
    from i5g.secret_policy import refuse_weak_secrets

    refuse_weak_secrets([("the collector password", password)])
    _run(lambda dynsec: ensure_collector(dynsec, args.username, password))
    print(f"collector identity {args.username!r} ready")
    return 0


def _gateway_action(args: argparse.Namespace) -> int:
    from i5g.cli import CommandError
    from i5g.contract import broker_username
    from registry.broker import service

    gateway_id = args.gateway_id
    if args.action_name == "provision":
        password = _run(lambda dynsec: service.provision_gateway(dynsec, gateway_id, pin_client_id=True))
        print(f"MQTT username and client id: {broker_username(gateway_id)}", file=sys.stderr)
        print(password)
        return 0
    if args.action_name == "revoke":
        if not _run(lambda dynsec: service.revoke_gateway(dynsec, gateway_id)):
            raise CommandError(f"the broker has no identity {gateway_id!r}")
    elif args.action_name == "restore":
        if not _run(lambda dynsec: service.restore_gateway(dynsec, gateway_id)):
            raise CommandError(f"the broker has no identity {gateway_id!r}: use `i5g broker provision`")
    else:
        _run(lambda dynsec: service.delete_gateway(dynsec, gateway_id))
    print(f"{gateway_id}: {args.action_name} done")
    return 0


def _migrate_file(args: argparse.Namespace) -> int:
    from i5g.cli import CommandError
    from registry.broker.migrate import migrate_dynsec_file

    try:
        report = migrate_dynsec_file(args.dynsec_file)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot migrate {args.dynsec_file}: {exc}") from None
    for gateway_id in report.renamed:
        print(f"renamed account {gateway_id} -> gw.{gateway_id} (password kept)")
    for role in report.roles_rewritten:
        print(f"role {role}: ACLs set to the contract's topics")
    for stripped in report.roles_stripped:
        print(f"removed gateway role from service account {stripped}")
    print("nothing to migrate" if not report.changed else f"{args.dynsec_file} migrated")


def _reconcile(args: argparse.Namespace) -> int:
    from registry.agentconfig.service import desired_configs
    from registry.broker.reconcile import reconcile, registry_gateways, registry_sparkplug
    from registry.db import make_engine, make_sessionmaker, transaction
    from registry.settings import RegistrySettings

    engine = make_engine(RegistrySettings.load().database_url)
    try:
        for session in transaction(make_sessionmaker(engine), writes=False):
            gateways = registry_gateways(session)
            configs = desired_configs(session)
            sparkplug = registry_sparkplug(session)
    finally:
        engine.dispose()
    result = _run(lambda dynsec: reconcile(dynsec, gateways, dry_run=args.dry_run, sparkplug=sparkplug))
    if configs and not args.dry_run:
        # A broker restored without its retained messages (mosquitto.db) gets every desired configuration again.
        from registry.broker.hooks import configs_published

        configs_published(configs)
        print(f"{len(configs)} desired agent configuration(s) published again")
    would = "would be " if args.dry_run else ""
    for label, ids in (("deleted", result.deleted), ("disabled", result.disabled), ("enabled", result.enabled)):
        for gateway_id in ids:
            print(f"{gateway_id}: {would}{label}")
    for gateway_id, password in result.created.items():
        # Printed once, stored nowhere: put it on the gateway (docs/operations.md, "Rotating a password").
        print(f"{gateway_id}: {would}created" + (f", new password: {password}" if password else ""))
    for gateway_id in result.sparkplug:
        print(f"{gateway_id}: Sparkplug edge node role {would}restored as declared")
    for gateway_id in result.missing_disabled:
        print(f"{gateway_id}: disabled in the registry and absent at the broker; gets a password when enabled")
    print(f"{result.changes} change(s){' needed' if args.dry_run else ''}; "
          f"{len(result.others)} other broker account(s) left alone")  # fmt: skip
    return 0
