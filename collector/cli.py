"""`i5g collector run [--config FILE]`. Only argparse at module level (see i5g/cli.py)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("collector", help="MQTT -> InfluxDB collector")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(dest="action", metavar="{run}")
    run = actions.add_parser(
        "run",
        help="run one collector replica until SIGTERM",
        description="Settings come from I5G_COLLECTOR_* variables and the [collector] table of the config file.",
    )
    run.add_argument("--config", help="TOML file ([collector] table); default $I5G_CONFIG_FILE")
    run.set_defaults(handler=_run, parser_for_help=run)


def _run(args: argparse.Namespace) -> int:
    import logging

    from collector.app import run
    from collector.settings import CollectorSettings
    from i5g.cli import load_settings

    settings = load_settings(CollectorSettings, args.config)
    from i5g.secret_policy import refuse_weak_secrets

    password = settings.mqtt_password.get_secret_value() if settings.mqtt_password else None
    refuse_weak_secrets([("I5G_COLLECTOR_MQTT_PASSWORD", password)])
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return run(settings)
