"""`i5g alerts run [--once]`. Only argparse at module level (see i5g/cli.py)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("alerts", help="alert rules: the evaluator and notification dispatcher")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(dest="action", metavar="{run}")
    run = actions.add_parser(
        "run",
        help="evaluate alert rules and send notifications until SIGTERM (one replica holds the lease)",
        description="Settings: I5G_ALERTS_* ([alerts]), I5G_EVIDENCE_* ([evidence]) and the registry database "
        "(I5G_DATABASE_URL). Run it on as many hosts as you like: one holds the lease, the others stand by.",
    )
    run.add_argument("--config", help="TOML file; default $I5G_CONFIG_FILE")
    run.add_argument("--once", action="store_true", help="one round (if the lease is free) and one dispatch, then exit")
    run.set_defaults(handler=_run, parser_for_help=run)


def _run(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from i5g.cli import load_settings
    from registry.alerts import delivery
    from registry.alerts.runner import Evaluator
    from registry.alerts.settings import AlertSettings
    from registry.db import make_engine, make_sessionmaker
    from registry.evidence.settings import EvidenceSettings
    from registry.settings import RegistrySettings

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    registry = load_settings(RegistrySettings, args.config)
    evaluator = Evaluator(
        make_sessionmaker(make_engine(registry.database_url)),
        load_settings(EvidenceSettings, args.config),
        load_settings(AlertSettings, args.config),
    )
    if args.once:
        result = evaluator.step()
        if result is None:
            print("another replica holds the lease; nothing done")
            return 0
        sent = delivery.dispatch(evaluator.factory, evaluator.settings)
        print(f"rules {result.rules}, open alerts {result.open_alerts}, notifications attempted {sent}")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    evaluator.run(stop)
    return 0
