"""Modem parsers on fixtures in the documented output formats (mmcli key-value, Quectel AT+QENG)."""

from __future__ import annotations

import contextlib
import os
import threading
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.sources.modem_mm import ModemManagerSource, parse_signal
from edge_agent.sources.modem_quectel import QuectelSource, parse_servingcell

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_mmcli_5g_values_win_over_lte() -> None:
    reading = parse_signal(fixture("mmcli_signal_5g_lte.txt"))
    assert reading.kpis == {"rsrp_dbm": -89.0, "rsrq_db": -12.0, "sinr_db": 17.5}
    assert reading.ctx == {"rat": "NR5G"}


def test_mmcli_lte_only_older_modemmanager() -> None:
    reading = parse_signal(fixture("mmcli_signal_lte_only_1_18.txt"))
    assert reading.kpis == {"rsrp_dbm": -101.0, "rsrq_db": -9.0, "sinr_db": 6.2}
    assert reading.ctx == {"rat": "LTE"}


def test_mmcli_missing_and_out_of_range_values_are_dropped() -> None:
    # lte rsrp -200 dBm and 5g rsrq 55 dB are outside the 3GPP ranges; "--" is missing.
    reading = parse_signal(fixture("mmcli_signal_invalid.txt"))
    assert reading.kpis == {"sinr_db": 12.0}
    assert reading.ctx == {"rat": "NR5G"}


def test_mmcli_unit_suffix_is_tolerated() -> None:
    reading = parse_signal("modem.signal.5g.rsrp : -90.50 dBm\nmodem.signal.5g.snr : 3 dB\n")
    assert reading.kpis == {"rsrp_dbm": -90.5, "sinr_db": 3.0}


@pytest.mark.parametrize(
    ("name", "kpis", "ctx"),
    [
        (  # NR5G-SA, one line
            "quectel_sa_rm500q.txt",
            {"rsrp_dbm": -85.0, "rsrq_db": -11.0, "sinr_db": 15.0, "pci": 123, "arfcn": 627264},
            {"rat": "NR5G-SA", "operator": "460-00", "band": "n78", "cell_id": "1A2B3C4D5"},
        ),
        (  # firmware that appends fields: parsed by position from the front
            "quectel_sa_rm520n_extra_fields.txt",
            {"rsrp_dbm": -92.0, "rsrq_db": -12.0, "sinr_db": 21.0, "pci": 512, "arfcn": 504990},
            {"rat": "NR5G-SA", "operator": "460-01", "band": "n41", "cell_id": "8D4C2B001"},
        ),
        (  # EN-DC: NR values win; SINR (18) comes before RSRQ (-11) on the NSA line; cell id from the LTE line
            "quectel_nsa.txt",
            {"rsrp_dbm": -88.0, "sinr_db": 18.0, "rsrq_db": -11.0, "pci": 747, "arfcn": 627264},
            {"rat": "NR5G-NSA", "operator": "460-01", "band": "n78", "cell_id": "5A1B2C3"},
        ),
        (  # EN-DC with "-" and -32768 on the NR leg: the LTE anchor's values
            "quectel_nsa_nr_invalid.txt",
            {"rsrp_dbm": -98.0, "rsrq_db": -10.0, "sinr_db": 14.0, "pci": 301, "arfcn": 1650},
            {"rat": "LTE", "operator": "460-01", "band": "B3", "cell_id": "5A1B2C3"},
        ),
        (  # LTE only, with "-" markers in the trailing fields
            "quectel_lte.txt",
            {"rsrp_dbm": -104.0, "rsrq_db": -13.0, "sinr_db": 8.0, "pci": 62, "arfcn": 1300},
            {"rat": "LTE", "operator": "460-00", "band": "B3", "cell_id": "1A2D001"},
        ),
    ],
)
def test_quectel_formats(name: str, kpis: dict[str, float], ctx: dict[str, str]) -> None:
    reading = parse_servingcell(fixture(name))
    assert reading.kpis == kpis
    assert reading.ctx == ctx


def test_quectel_out_of_range_values_are_rejected() -> None:
    reading = parse_servingcell(fixture("quectel_sa_out_of_range.txt"))
    assert "rsrp_dbm" not in reading.kpis  # -20 dBm is above the -31 dBm ceiling
    assert "rsrq_db" not in reading.kpis  # -60 dB is below -43 dB
    assert reading.kpis["sinr_db"] == 15.0


def test_quectel_searching_has_no_values() -> None:
    reading = parse_servingcell(fixture("quectel_searching.txt"))
    assert reading.kpis == {}


@contextlib.contextmanager
def emulated_modem(answer: bytes) -> Iterator[tuple[QuectelSource, list[bytes]]]:
    """No modem can run here, so an emulated one answers on a pseudo-terminal (named as such): it reads one
    command and writes `answer`. Yields a QuectelSource on the pty and the commands it received."""
    master, slave = os.openpty()
    tty.setraw(slave)
    received: list[bytes] = []

    def respond() -> None:
        buffer = b""
        while b"\r" not in buffer:
            buffer += os.read(master, 1024)
        received.append(buffer)
        os.write(master, answer)

    thread = threading.Thread(target=respond, daemon=True)
    thread.start()
    source = QuectelSource({"port": os.ttyname(slave), "baudrate": 115200, "timeout_s": 3.0})
    try:
        yield source, received
    finally:
        source.close()
        thread.join(5)
        os.close(master)
        os.close(slave)


def test_quectel_source_over_a_pseudo_terminal() -> None:
    with emulated_modem(fixture("quectel_nsa.txt").encode()) as (source, received):
        reading = source.read()
    assert received == [b'AT+QENG="servingcell"\r']
    assert reading.kpis["rsrp_dbm"] == -88.0


def test_quectel_source_error_result_is_raised() -> None:
    with emulated_modem(b"\r\n+CME ERROR: 3\r\n") as (source, _), pytest.raises(RuntimeError, match="CME ERROR"):
        source.read()


def test_modemmanager_source_runs_mmcli(tmp_path: Path) -> None:
    """The subprocess path end to end. ModemManager cannot run without a modem, so an emulated `mmcli`
    (a shell script, named as such) records its arguments and prints a fixture."""
    calls = tmp_path / "calls.log"
    mmcli = tmp_path / "mmcli"
    mmcli.write_text(
        f'#!/bin/sh\necho "$@" >> {calls}\n'
        f'case "$*" in *--signal-get*) cat {FIXTURES / "mmcli_signal_5g_lte.txt"} ;; esac\n'
    )
    mmcli.chmod(0o755)
    source = ModemManagerSource({"mmcli": str(mmcli), "modem": 2, "signal_rate_s": 5, "timeout_s": 5.0})
    reading = source.read()
    assert reading.kpis == {"rsrp_dbm": -89.0, "rsrq_db": -12.0, "sinr_db": 17.5}
    assert calls.read_text().splitlines() == ["-m 2 --signal-setup=5", "-m 2 --signal-get --output-keyvalue"]
