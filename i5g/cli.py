"""The `i5g` command.

Each part owns its subcommands in `<part>/cli.py`, which exposes `register(subparsers)` and imports nothing
heavier than argparse at module level, so `i5g --help` and every `--help` work with only the extras that
subcommand needs. The handlers import their part's dependencies when they run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from i5g import __version__

# subcommand -> module providing register(subparsers)
PARTS: dict[str, str] = {
    "registry": "registry.cli",
    "agent": "edge_agent.cli",
    "collector": "collector.cli",
    "dashboards": "dashboards.cli",
    "stack": "devstack.cli",
    "broker": "registry.broker.cli",
    "influx": "i5g.influx.cli",
    "evidence": "registry.evidence.cli",
}


class CommandError(Exception):
    """A failure the user can act on: printed as one line, exit status 2, no traceback."""


def load_settings(settings_class: Any, *args: Any, **overrides: Any) -> Any:
    """A part's settings (`settings_class.load(...)`), or a CommandError saying what is wrong: one line for the
    user, no traceback."""
    from i5g.settings import SettingsError

    try:
        return settings_class.load(*args, **overrides)
    except SettingsError as exc:
        raise CommandError(str(exc)) from None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command tree, or with `only` the tree of one part: `i5g agent run` on a gateway then imports
    edge_agent.cli and nothing of the registry, collector or dashboards (tests/architecture)."""
    parser = argparse.ArgumentParser(
        prog="i5g",
        description="Industrial 5G use-case registry with edge telemetry.",
    )
    parser.add_argument("--version", action="version", version=f"i5g {__version__}")
    subparsers = parser.add_subparsers(dest="part", metavar="{" + ",".join(PARTS) + "}")
    for part, module_name in PARTS.items():
        if only is not None and part != only:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if not module_name.startswith(exc.name or "\0"):
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    part = arguments[0] if arguments and arguments[0] in PARTS else None
    parser = build_parser(only=part)
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        # `i5g` or `i5g registry` without an action: show the help of that level.
        (getattr(args, "parser_for_help", None) or parser).print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except CommandError as exc:
        print(f"i5g: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    # `python -m i5g.cli` (how `i5g stack` starts the parts): run main() of the module the handlers import, so
    # the CommandError they raise is the class caught (this file also runs as a separate `__main__` module).
    from i5g.cli import main as _main

    sys.exit(_main())
