"""`pip install industrial5g[agent]` on a Raspberry Pi (Python 3.11, aarch64) compiles nothing:
every dependency of the base install and the agent extra resolves to a wheel for that platform on PyPI
(pip's own resolver, `--only-binary=:all:`, downloading into a temp dir; nothing is installed)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def agent_requirements() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [*project["dependencies"], *extras["agent"], *extras["agent-modbus"]]  # agent-modbus: empty, kept


def test_agent_dependencies_have_wheels_for_python_311_aarch64(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--dest", str(tmp_path),
            "--only-binary=:all:", "--platform", "manylinux2014_aarch64", "--python-version", "3.11",
            "--implementation", "cp", *agent_requirements()]  # fmt: skip
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"a dependency would need compiling on aarch64:\n{result.stderr[-2000:]}"
    wheels = sorted(path.name for path in tmp_path.iterdir())
    assert wheels and all(name.endswith(".whl") for name in wheels), wheels
    names = {name.split("-")[0].lower() for name in wheels}
    assert {"paho_mqtt", "pyserial", "pydantic_core"} <= names, names
    binary = [name for name in wheels if not name.endswith("-none-any.whl")]
    assert all("aarch64" in name for name in binary), binary
