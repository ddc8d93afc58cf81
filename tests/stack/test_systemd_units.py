"""deploy/systemd units for the registry and the collector: valid for systemd, hardened, and running i5g
commands that exist."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from i5g.cli import build_parser

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
OURS = (
    "i5g-registry.service",
    "i5g-collector.service",
    "i5g-influx-v2proxy.service",
    "i5g-evidence-rollup.service",
    "i5g-alerts.service",
)
STATELESS = ("i5g-influx-v2proxy.service",)
INSTALLED_I5G = "/opt/i5g/venv/bin/i5g"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize("name", OURS)
def test_unit_is_hardened(name: str) -> None:
    service = unit(name)["Service"]
    for key, value in {
        "DynamicUser": "yes",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
        "SystemCallFilter": "~@privileged @resources",
    }.items():
        assert service.get(key) == value, f"{name}: {key}"
    assert bool(service.get("StateDirectory")) == (name not in STATELESS)


@pytest.mark.parametrize("name", OURS)
def test_commands_exist(name: str) -> None:
    service = unit(name)["Service"]
    for key in ("ExecStartPre", "ExecStart"):
        if key in service:
            argv = shlex.split(service[key])
            assert argv[0] == INSTALLED_I5G
            build_parser().parse_args(argv[1:])  # exits (SystemExit) on an unknown subcommand or option


@pytest.mark.parametrize("name", OURS)
def test_systemd_accepts_the_unit(name: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze missing: install Debian's systemd package")
    # Point the unit at this checkout's i5g and an empty environment file, then let systemd check the rest.
    env_file = tmp_path / "unit.env"
    env_file.write_text("")
    text = (UNITS / name).read_text().replace(INSTALLED_I5G, str(Path(sys.executable).parent / "i5g"))
    text = "\n".join(
        f"EnvironmentFile={env_file}" if line.startswith("EnvironmentFile=") else line for line in text.splitlines()
    )
    copy = tmp_path / name
    copy.write_text(text + "\n")
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if name in line]
    assert not problems, "\n".join(problems)
