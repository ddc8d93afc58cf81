"""`i5g agent run|check|simulate`. Only argparse and the standard library at import time (see i5g/cli.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from i5g.cli import CommandError, load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("agent", help="edge agent: KPI sources -> spool -> MQTT")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(dest="agent_action", metavar="{run,check,simulate}")

    run = actions.add_parser("run", help="run the agent (config: TOML [agent] table + I5G_AGENT_* env)")
    run.add_argument("--config", type=Path, help="TOML file (default: $I5G_CONFIG_FILE, else env only)")
    run.add_argument(
        "--in-process",
        action="store_true",
        help="do not exec the lean runtime (keeps pydantic loaded: ~16 MB more RSS; for debugging)",
    )
    run.set_defaults(handler=_run, parser_for_help=run)

    check = actions.add_parser(
        "check", help="validate the config, read every enabled source once and log in to the broker"
    )
    check.add_argument("--config", type=Path, help="TOML file (default: $I5G_CONFIG_FILE, else env only)")
    check.add_argument("--no-connect", action="store_true", help="skip the broker connection test")
    check.set_defaults(handler=_check, parser_for_help=check)

    sim = actions.add_parser("simulate", help="run N simulated gateways in one process (demo, load tests)")
    sim.add_argument("--config", type=Path, help="TOML file with an [agent_simulate] table (optional)")
    sim.add_argument("--gateways", type=int, help="number of gateways (default: all in --credentials, else 10)")
    sim.add_argument("--rate", type=float, dest="rate_hz", help="samples per second per gateway (default 1)")
    sim.add_argument("--broker", help="host:port (default 127.0.0.1:1883)")
    sim.add_argument("--username", help="one username for every gateway (default: none, or per-gateway)")
    sim.add_argument("--password", help="password for --username")
    sim.add_argument("--credentials", type=Path, dest="credentials_file", help="JSON/TOML list of "
                     "{gateway_id, password, scenario}; each gateway logs in as its id")  # fmt: skip
    sim.add_argument("--seed", type=int, help="random seed (default 1): same seed, same streams")
    sim.add_argument("--duration", type=float, dest="duration_s", help="seconds to run (default: until Ctrl-C)")
    sim.add_argument("--scenario", help="one scenario for all gateways (default: cycle through all)")
    sim.add_argument("--state-dir", type=Path, help="spool directory (default ./i5g-simulate)")
    sim.add_argument("--gateway-prefix", help="generated ids are <prefix>-0001 ... (default sim-gw)")
    sim.add_argument("--degradation-rate", type=float, help="chance per sample that a degradation starts")
    sim.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sim.set_defaults(handler=_simulate, parser_for_help=sim)


def _load(cls_name: str, config: Path | None, **overrides: Any) -> Any:
    import edge_agent.settings as settings_module

    return load_settings(getattr(settings_module, cls_name), config, **overrides)


def _resolved(config: Path | None) -> dict[str, Any]:
    from edge_agent.remote_config import merge_stored
    from i5g.settings import SettingsError

    try:
        return merge_stored(_load("AgentSettings", config).resolved())
    except SettingsError as exc:
        raise CommandError(str(exc)) from None


def _run(args: argparse.Namespace) -> int:
    from edge_agent.deferred import UNUSED_WHILE_VALIDATING, defer

    for name in UNUSED_WHILE_VALIDATING:  # loaded on first use still (an in-process OPC UA source uses asyncio)
        defer(name)
    resolved = _resolved(args.config)
    if args.in_process:
        from edge_agent import agent

        agent.configure_logging(resolved["log_level"])
        return agent.run(resolved)
    exec_lean_runtime(resolved)
    return 1  # not reached


def exec_lean_runtime(resolved: dict[str, Any]) -> None:
    """Replace this process (same PID) with the lean runtime `python -m edge_agent`, handing over the validated
    config through an anonymous in-memory file: nothing on disk, no password in argv or the environment."""
    import edge_agent

    fd = _config_fd(json.dumps(resolved).encode())
    # The runtime must import the same edge_agent (an editable install finds it through a site hook).
    package_root = str(Path(edge_agent.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "edge_agent", "--config-fd", str(fd)], env)


def _config_fd(payload: bytes) -> int:
    """An inheritable fd to read `payload` from: a memfd, or a pipe where seccomp filters refuse memfd_create."""
    try:
        fd = os.memfd_create("i5g-agent-config", 0)  # not CLOEXEC: the runtime inherits it
    except OSError:
        read_end, write_end = os.pipe()
        if len(payload) > 60_000:  # a pipe buffer holds 64 KiB; nobody reads before the exec
            raise CommandError("config too large to hand over through a pipe") from None
        os.write(write_end, payload)
        os.close(write_end)
        os.set_inheritable(read_end, True)
        return read_end
    os.write(fd, payload)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _check(args: argparse.Namespace) -> int:
    from edge_agent.sources import source_class

    resolved = _resolved(args.config)
    print(f"config ok: gateway {resolved['gateway_id']}, config hash {resolved['config_hash']}")
    failed = 0
    enabled = {name: section for name, section in resolved["sources"].items() if section["enabled"]}
    if not enabled:
        print("no source enabled")
        return 1
    for name, section in enabled.items():
        try:
            cls = source_class(name)
            source = cls(section, resolved["gateway_id"]) if name == "simulated" else cls(section)
            if hasattr(source, "wait_ready"):  # connects in the background (opcua)
                source.wait_ready(float(section.get("timeout_s", 5.0)) * 2)
            try:
                reading = source.read()
            finally:
                problems = dict(getattr(source, "problems", {}))  # items that give no value (opcua nodes)
                source.close()
        except Exception as exc:
            failed += 1
            print(f"{name}: FAILED {type(exc).__name__}: {exc}")
            continue
        values = " ".join(f"{key}={value:g}" for key, value in sorted(reading.kpis.items()))
        context = " ".join(f"{key}={value}" for key, value in sorted(reading.ctx.items()))
        print(f"{name}: {values or '(no values)'}" + (f" [{context}]" if context else ""))
        for item, reason in sorted(problems.items()):
            failed += 1
            print(f"{name}: {item}: FAILED {reason}")
    if not args.no_connect:
        from edge_agent.preflight import check_connection
        from i5g.contract import broker_username

        mqtt = resolved["mqtt"]
        print(f"broker {mqtt['host']}:{mqtt['port']}{' (TLS)' if mqtt['tls']['enabled'] else ''}:")
        # The client id the agent itself uses: the broker pins it to the gateway's account.
        steps = check_connection(mqtt, broker_username(resolved["gateway_id"]))
        for step in steps:
            print(f"  {step.line()}")
        failed += sum(not step.ok for step in steps)
    return 1 if failed else 0


def _simulate(args: argparse.Namespace) -> int:
    import logging

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    names = ("gateways", "rate_hz", "credentials_file", "seed", "duration_s", "scenario", "state_dir",
             "gateway_prefix", "degradation_rate")  # fmt: skip
    overrides: dict[str, Any] = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    mqtt: dict[str, Any] = {}
    if args.broker:
        host, _, port = args.broker.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--broker must be host:port, not {args.broker!r}")
        mqtt.update(host=host, port=int(port))
    if args.username:
        mqtt.update(username=args.username, password=args.password)
    if mqtt:
        overrides["mqtt"] = mqtt
    settings = _load("SimulateSettings", args.config, **overrides)
    from edge_agent import simulate

    try:
        summary = simulate.run(settings)
    except (OSError, ValueError, RuntimeError) as exc:
        raise CommandError(str(exc)) from None
    print(json.dumps(summary))
    return 0
