"""`i5g dashboards build` / `check` from an installed wheel, where docs/dashboards.md does not exist: check
compares the packaged JSON and skips the catalogue, build asks for --out instead of writing into site-packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards import catalog
from i5g.cli import main


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(catalog, "DOC_PATH", tmp_path / "no-docs" / "dashboards.md")


def test_check_uses_the_packaged_json(installed: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboards", "check"]) == 0
    assert "dashboards OK" in capsys.readouterr().out


def test_build_needs_out_and_writes_only_there(
    installed: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dashboards", "build"]) == 2
    assert "give --out DIR" in capsys.readouterr().err
    out = tmp_path / "boards"
    assert main(["dashboards", "build", "--out", str(out)]) == 0
    assert (out / "fleet.json").is_file()
    assert not catalog.DOC_PATH.exists()
