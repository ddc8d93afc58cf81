"""`i5g stack up|status|down`: the whole system on this machine (see devstack/stack.py).

Only argparse and the standard library at import time (see i5g/cli.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("stack", help="run the whole stack locally (broker, InfluxDB, registry, ...)")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(dest="stack_action", metavar="{up,status,down,fleet}")
    state_help = "state folder (default: I5G_STACK_STATE_DIR or .i5g/stack)"

    up = actions.add_parser(
        "up",
        help="start everything, wait until healthy, supervise until Ctrl-C",
        description="Ports and options: I5G_STACK_* variables or the [stack] table of $I5G_CONFIG_FILE.",
    )
    up.add_argument("--state-dir", type=Path, help=state_help)
    up.add_argument("--detach", action="store_true", help="return once healthy, leaving the parts running")
    up.set_defaults(handler=_up, parser_for_help=up)

    status = actions.add_parser("status", help="show what runs (exit status 0 only when everything runs)")
    status.add_argument("--state-dir", type=Path, help=state_help)
    status.set_defaults(handler=_status, parser_for_help=status)

    down = actions.add_parser("down", help="stop everything (data stays in the state folder)")
    down.add_argument("--state-dir", type=Path, help=state_help)
    down.set_defaults(handler=_down, parser_for_help=down)

    fleet = actions.add_parser("fleet", help="stop or start only the simulated gateways")
    fleet.add_argument("fleet_action", choices=("stop", "start"))
    fleet.add_argument("--state-dir", type=Path, help=state_help)
    fleet.set_defaults(handler=_fleet, parser_for_help=fleet)


def _settings(args: argparse.Namespace) -> Any:
    from devstack.settings import StackSettings
    from i5g.cli import load_settings

    overrides = {"state_dir": args.state_dir} if args.state_dir else {}
    return load_settings(StackSettings, **overrides)


def _state(args: argparse.Namespace) -> Any:
    from devstack.state import StackState

    return StackState(_settings(args).state_dir)


def _status(args: argparse.Namespace) -> int:
    from devstack.control import status

    return status(_state(args), sys.stdout)


def _down(args: argparse.Namespace) -> int:
    from devstack.control import down

    return down(_state(args), sys.stdout)


def _up(args: argparse.Namespace) -> int:
    import signal

    from devstack.control import clear_stale, running_parts, status
    from devstack.process import ServiceError
    from devstack.stack import SUPERVISOR, Stack, StackStopped, install_signal_handlers
    from i5g.cli import CommandError

    stack = Stack(_settings(args))
    state = stack.state
    running = running_parts(state)
    if SUPERVISOR in running or (running and not stack.missing_parts()):
        print("the stack is already running; `i5g stack down` stops it\n")
        status(state, sys.stdout)
        return 0
    clear_stale(state)
    resume = bool(running)  # some parts died (kill -9, OOM): start those, leave the running ones alone
    if not resume:
        try:
            stack.preflight()
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
    install_signal_handlers()
    if not args.detach:
        state.write_pid(SUPERVISOR, os.getpid())
    print(f"starting the {'missing parts of the ' if resume else ''}stack in {state.root}")
    try:
        if resume:
            stack.start_missing()
            status(state, sys.stdout)
        else:
            stack.up()
            print_banner(stack, detached=args.detach)
        if args.detach:
            return 0
        stack.supervise()
    except StackStopped:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean stop
        print("\nstopping the stack")
        stack.stop()
        return 0
    except ServiceError as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if not resume:  # a failed resume leaves the parts that were running alone
            stack.stop()
        raise CommandError(f"{exc}\n(logs: {state.log_dir})") from None
    finally:
        if not args.detach:
            state.clear_pid(SUPERVISOR)
    return 0


def _fleet(args: argparse.Namespace) -> int:
    from devstack.process import ServiceError
    from devstack.stack import Stack
    from i5g.cli import CommandError

    stack = Stack(_settings(args))
    if args.fleet_action == "stop":
        stopped = stack.stop_fleet()
        print("fleet stopped (it stays stopped until `i5g stack fleet start`)" if stopped else "fleet was not running")
        return 0
    if stack.state.live_pid("mosquitto") is None:
        raise CommandError("the broker is not running: start the stack with `i5g stack up` first")
    try:
        started = stack.start_fleet()
    except ServiceError as exc:
        raise CommandError(str(exc)) from None
    print("fleet started" if started else "fleet is already running")
    return 0


def print_banner(stack: Any, *, detached: bool) -> None:
    state = stack.state
    registry, influx = stack.registry_url, stack.influx_url
    from i5g.contract import FIELD_SEQ, MEASUREMENT_KPI, TAG_GATEWAY

    query = f"SELECT count({FIELD_SEQ}) FROM {MEASUREMENT_KPI} WHERE time > now() - 5m GROUP BY {TAG_GATEWAY}"
    unusual = [g for g in stack.fleet if g.behaviour != "steady"]
    lines = [
        "",
        f"The stack is up: {len(stack.fleet)} simulated gateways send telemetry through the broker to InfluxDB.",
        "Look at:",
        f"  registry (web UI)   {registry}/",
        f"  REST API docs       {registry}/docs",
        f"  fleet health        {registry}/fleet?window=15m (some demo gateways breach or stay silent on purpose:",
        f"                      {', '.join(f'{g.gateway_id} {g.behaviour}' for g in unusual)})",
        f"  gateways (online)   curl {registry}/api/v1/gateways",
        f"  telemetry           curl -G {influx}/query --data-urlencode db=i5g --data-urlencode 'q={query}'",
        f"  collector metrics   http://127.0.0.1:{stack.settings.collector_metrics_port}/metrics",
        f"  broker              {stack.mqtt_url} (no anonymous access; each gateway's own credentials are in",
        f"                      {state.credentials_path})",
        *(
            [f"  broker over TLS     mqtts://127.0.0.1:{stack.settings.mqtt_tls_port} (CA: {stack.tls_dir / 'ca.crt'})"]
            if stack.settings.mqtt_tls_port
            else []
        ),
        f"  Grafana             point an InfluxQL data source at {influx} (database i5g, user i5g-reader, its",
        "                      password is influx_reader_password in secrets.json), then `i5g dashboards`",
        f"  secrets, tokens     {state.secrets_path}",
        f"  logs                {state.log_dir}/",
        "",
        "`i5g stack status` shows what runs; `i5g stack down` stops it"
        + ("." if detached else ", and so does Ctrl-C here."),
    ]
    print("\n".join(lines), flush=True)
