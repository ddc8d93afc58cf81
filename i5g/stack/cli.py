"""`i5g stack ...`: the whole local stack (filled by the stack issue)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("stack", help="run the whole stack locally (broker, InfluxDB, registry, ...)")
    parser.set_defaults(parser_for_help=parser)
