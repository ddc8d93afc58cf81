"""Host and probe sources on this machine, and the guard that keeps a failing source from stopping the agent."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from devstack.process import free_port
from edge_agent.sources import GuardedSource, build_sources, host, read_all
from edge_agent.sources.base import Reading, in_range
from edge_agent.sources.host import HostSource, find_temperature_inputs, read_millidegrees
from edge_agent.sources.probe import ProbeSource, icmp_allowed, parse_target, summarize


def test_host_source_reads_this_machine_as_psutil_does() -> None:
    """The host source reads /proc itself; psutil (a dev dependency here) is the independent reading."""
    import psutil

    source = HostSource({"disk_path": "/", "interfaces": []})
    kpis = source.read().kpis
    assert {"cpu_pct", "mem_pct", "disk_pct", "net_rx_mbps", "net_tx_mbps"} <= set(kpis)
    assert 0 <= kpis["cpu_pct"] <= 100
    assert kpis["mem_pct"] == pytest.approx(psutil.virtual_memory().percent, abs=2.0)
    assert kpis["disk_pct"] == pytest.approx(psutil.disk_usage("/").percent, abs=0.1)
    counters = psutil.net_io_counters(pernic=True)
    rx, tx = host.net_bytes({"lo"})
    assert rx >= counters["lo"].bytes_recv and tx >= counters["lo"].bytes_sent  # read after psutil's: not less
    assert rx - counters["lo"].bytes_recv < 10_000_000


def test_temperature_falls_back_to_thermal_zones(tmp_path: Path) -> None:
    """A board whose SoC sensor has no hwmon driver: /sys/class/thermal/thermal_zoneN/{type,temp}."""
    for index, (kind, milli) in enumerate((("x86_pkg_temp", "52000"), ("cpu-thermal", "47250"))):
        zone = tmp_path / "thermal" / f"thermal_zone{index}"
        zone.mkdir(parents=True)
        (zone / "type").write_text(kind + "\n")
        (zone / "temp").write_text(milli + "\n")
    inputs = find_temperature_inputs(tmp_path / "no-hwmon", tmp_path / "thermal")
    assert inputs == [tmp_path / "thermal" / "thermal_zone0" / "temp"]  # no preferred name: the first zone
    assert read_millidegrees(inputs) == 52.0


def fake_hwmon(root: Path, sensors: dict[str, dict[str, str]]) -> Path:
    """/sys/class/hwmon as the kernel lays it out: hwmonN/name and hwmonN/tempK_input in millidegrees."""
    for index, (name, files) in enumerate(sensors.items()):
        device = root / f"hwmon{index}"
        device.mkdir(parents=True)
        (device / "name").write_text(name + "\n")
        for file, value in files.items():
            (device / file).write_text(value + "\n")
    return root


def test_temperature_sensor_is_chosen_once_and_read_directly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fake_hwmon(
        tmp_path,
        {"nvme": {"temp1_input": "61850"}, "cpu_thermal": {"temp1_input": "48312", "temp1_crit": "110000"}},
    )
    inputs = find_temperature_inputs(root)
    assert inputs == [root / "hwmon1" / "temp1_input"]
    monkeypatch.setattr(host, "HWMON_ROOT", root)
    source = HostSource({"disk_path": "/", "interfaces": []})
    assert source.read().kpis["temp_c"] == 48.312
    (root / "hwmon1" / "temp1_input").write_text("51000\n")
    assert source.read().kpis["temp_c"] == 51.0


def test_unknown_sensor_names_still_count_and_bad_files_are_skipped(tmp_path: Path) -> None:
    root = fake_hwmon(tmp_path, {"some_soc": {"temp1_input": "40000", "temp2_input": "45500", "temp3_input": "x"}})
    inputs = find_temperature_inputs(root)
    assert len(inputs) == 3
    assert read_millidegrees(inputs) == 45.5
    assert read_millidegrees([tmp_path / "missing"]) is None
    assert find_temperature_inputs(tmp_path / "none") == []


def test_probe_tcp_connect_timing_against_a_listener_and_a_closed_port() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        config = {"targets": [f"127.0.0.1:{port}", f"127.0.0.1:{free_port()}"], "method": "tcp", "count": 3,
                  "timeout_s": 1.0}  # fmt: skip
        kpis = ProbeSource(config).read().kpis
    # A refused connect (RST) is an answer too: nothing is lost on either target.
    assert kpis["loss_pct"] == 0.0
    assert 0 <= kpis["rtt_ms"] < 100 and kpis["jitter_ms"] >= 0


def test_probe_auto_uses_icmp_only_where_unprivileged_ping_is_allowed() -> None:
    source = ProbeSource({"targets": ["127.0.0.1"], "method": "auto", "count": 2, "timeout_s": 1.0})
    assert source.use_icmp == icmp_allowed()
    kpis = source.read().kpis
    assert kpis["loss_pct"] == 0.0  # ICMP echo to localhost, or TCP to port 443 (refused = answered)


ICMP_IN_NAMESPACE = textwrap.dedent(
    """
    import json, subprocess
    from edge_agent.sources.probe import ProbeSource, icmp_allowed
    before = icmp_allowed()
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with open("/proc/sys/net/ipv4/ping_group_range", "w") as knob:  # this namespace's own setting
        knob.write("0 2147483647")
    auto = ProbeSource({"targets": ["127.0.0.1"], "method": "auto", "count": 3, "timeout_s": 1.0})
    mixed = ProbeSource({"targets": ["192.0.2.1", "127.0.0.1"], "method": "icmp", "count": 2, "timeout_s": 0.3})
    print(json.dumps([before, icmp_allowed(), auto.use_icmp, auto.read().kpis, mixed.read().kpis]))
    """
)


def test_icmp_probe_where_the_system_permits_unprivileged_ping() -> None:
    """A network namespace of the test's own (util-linux unshare, as root) with net.ipv4.ping_group_range
    opened, as a gateway's OS would have it: `auto` picks ICMP, echo replies are timed, an unreachable
    target (TEST-NET-1, no route) counts as lost. The host's own setting is not touched."""
    result = subprocess.run(
        ["unshare", "--net", "--", sys.executable, "-c", ICMP_IN_NAMESPACE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"unshare --net needs root here: {result.stderr[-500:]}"
    before, after, picked_icmp, auto, mixed = json.loads(result.stdout)
    assert (before, after, picked_icmp) == (False, True, True)
    assert auto["loss_pct"] == 0.0 and auto["rtt_ms"] > 0 and "jitter_ms" in auto
    assert mixed["loss_pct"] == 50.0 and mixed["rtt_ms"] > 0


def test_probe_statistics() -> None:
    values = summarize([10.0, 12.0, None, 11.0])
    assert values == {"loss_pct": 25.0, "rtt_ms": 11.0, "jitter_ms": 1.5}
    assert summarize([None, None]) == {"loss_pct": 100.0}
    assert parse_target("10.0.0.1:443", None) == ("10.0.0.1", 443)
    assert parse_target("gw.example", 443) == ("gw.example", 443)
    assert parse_target("[::1]:8883", None) == ("::1", 8883)


def test_in_range_rejects_impossible_values_and_rounds() -> None:
    assert in_range("rsrp_dbm", -200.0) is None
    assert in_range("rsrp_dbm", float("nan")) is None
    assert in_range("pci", 1008) is None
    assert in_range("pci", 17.0) == 17
    assert in_range("rtt_ms", 1.23456) == 1.235


class _Broken:
    name = "broken"

    def read(self) -> Reading:
        raise OSError("sensor unplugged")

    def close(self) -> None:
        pass


def test_a_failing_source_costs_only_its_own_values() -> None:
    sources = build_sources(
        {
            "simulated": {"enabled": True, "scenario": "agv", "seed": 1, "degradation_rate": 0.0},
            "host": {"enabled": False},
            "probe": {"enabled": False},
            "modem_mm": {
                "enabled": True,
                "modem": 0,
                "mmcli": "/bin/false",
                "signal_rate_s": 5,
                "timeout_s": 1.0,
            },
            "modem_quectel": {"enabled": False},
            "modbus": {"enabled": False},
        },
        "gw-guard-01",
    )
    sources.append(GuardedSource("broken", _Broken))
    reading = read_all(sources)
    assert "agv_pos_err_cm" in reading.kpis
    modem, broken = sources[1], sources[2]
    assert modem.name == "modem_mm" and modem.failures == 1 and "signal-setup" in (modem.last_error or "")
    assert broken.failures == 1 and "unplugged" in (broken.last_error or "")
    read_all(sources)  # the modem is not rebuilt before its retry time; the broken one fails again
    assert modem.failures == 1 and broken.failures == 2


@pytest.mark.parametrize("scenario", ["agv", "machine_vision"])
def test_simulated_source_differs_per_gateway(scenario: str) -> None:
    from edge_agent.sources.simulated import SimulatedSource

    config = {"scenario": scenario, "seed": 1, "degradation_rate": 0.0}
    assert SimulatedSource(config, "gw-a-01").read().kpis != SimulatedSource(config, "gw-b-01").read().kpis
