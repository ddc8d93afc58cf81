"""`i5g collector run` settings handling (no servers needed for the error paths)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from collector.settings import CollectorSettings
from i5g.settings import SettingsError

I5G = str(Path(sys.executable).with_name("i5g"))


def test_settings_from_toml_and_environment(tmp_path, monkeypatch) -> None:
    config = tmp_path / "i5g.toml"
    config.write_text('[collector]\nreplica = "c-7"\nshare_group = "grp"\nreceive_maximum = 300\n')
    monkeypatch.setenv("I5G_COLLECTOR_INFLUX_BUCKET", "tele")
    settings = CollectorSettings.load(config)
    assert (settings.client_id, settings.share_group, settings.receive_maximum) == ("i5g-collector-c-7", "grp", 300)
    assert settings.influx_bucket == "tele"


def test_bad_settings_name_the_key(tmp_path) -> None:
    config = tmp_path / "i5g.toml"
    config.write_text('[collector]\nbatch_max_lines = 9000\nreplica = "a b"\n')
    with pytest.raises(SettingsError) as info:
        CollectorSettings.load(config)
    assert "collector.batch_max_lines" in str(info.value) and "collector.replica" in str(info.value)


def test_cli_reports_a_bad_config_in_one_line(tmp_path) -> None:
    config = tmp_path / "i5g.toml"
    config.write_text("[collector]\nshare_group = 'a/b'\n")
    result = subprocess.run([I5G, "collector", "run", "--config", str(config)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("i5g: error: invalid configuration") and "share_group" in result.stderr
    assert "Traceback" not in result.stderr
