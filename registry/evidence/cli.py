"""`i5g evidence rollup [--follow] [--from ISO]`. Only argparse at module level (see i5g/cli.py)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evidence", help="deployment evidence: rollups of telemetry")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(dest="action", metavar="{rollup}")
    rollup = actions.add_parser(
        "rollup",
        help="roll raw samples into 1-minute aggregates (once, or --follow)",
        description="Settings come from I5G_EVIDENCE_* variables and the [evidence] table of the config file.",
    )
    rollup.add_argument("--config", help="TOML file ([evidence] table); default $I5G_CONFIG_FILE")
    rollup.add_argument("--follow", action="store_true", help="keep running every rollup_interval_s until SIGTERM")
    rollup.add_argument(
        "--from", dest="start", help="re-roll from this ISO 8601 time first (late data older than the look-back)"
    )
    rollup.set_defaults(handler=_rollup, parser_for_help=rollup)


def _rollup(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading
    from datetime import UTC, datetime

    from i5g.cli import CommandError, load_settings
    from registry.evidence import rollup
    from registry.evidence.errors import TelemetryUnavailable
    from registry.evidence.settings import EvidenceSettings

    settings = load_settings(EvidenceSettings, args.config)
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.start:
            try:
                start = datetime.fromisoformat(args.start)
            except ValueError:
                raise CommandError(f"--from: not an ISO 8601 time: {args.start!r}") from None
            start = start.replace(tzinfo=UTC) if start.tzinfo is None else start
            rollup.rerun_from(settings, int(start.timestamp() * 1000))
        if args.follow:
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            rollup.follow(settings, stop)
            return 0
        checkpoint = rollup.run_once(settings)
    except TelemetryUnavailable as exc:
        raise CommandError(str(exc)) from None
    print("no raw samples yet" if checkpoint is None else f"rolled up to {checkpoint.done_until} (epoch ms)")
    return 0
