"""Modem parsers on fixtures in the documented output formats (mmcli key-value, Quectel AT+QENG)."""

from __future__ import annotations

import contextlib
import os
import threading
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.sources.modem_mm import parse_signal
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


def test_quectel_sa() -> None:
    reading = parse_servingcell(fixture("quectel_sa_rm500q.txt"))
    assert reading.kpis == {"rsrp_dbm": -85.0, "rsrq_db": -11.0, "sinr_db": 15.0, "pci": 123, "arfcn": 627264}
    assert reading.ctx == {"rat": "NR5G-SA", "operator": "460-00", "band": "n78", "cell_id": "1A2B3C4D5"}


def test_quectel_sa_firmware_with_extra_trailing_fields() -> None:
    reading = parse_servingcell(fixture("quectel_sa_rm520n_extra_fields.txt"))
    assert reading.kpis == {"rsrp_dbm": -92.0, "rsrq_db": -12.0, "sinr_db": 21.0, "pci": 512, "arfcn": 504990}
    assert reading.ctx["band"] == "n41"
    assert reading.ctx["operator"] == "460-01"


def test_quectel_nsa_takes_nr_values_and_sinr_before_rsrq() -> None:
    reading = parse_servingcell(fixture("quectel_nsa.txt"))
    # NR line: RSRP -88, SINR 18, RSRQ -11 (SINR comes before RSRQ on the NSA line)
    assert reading.kpis == {"rsrp_dbm": -88.0, "sinr_db": 18.0, "rsrq_db": -11.0, "pci": 747, "arfcn": 627264}
    assert reading.ctx["rat"] == "NR5G-NSA"
    assert reading.ctx["band"] == "n78"
    assert reading.ctx["cell_id"] == "5A1B2C3"  # only the LTE anchor line carries a cell id


def test_quectel_nsa_with_invalid_nr_leg_falls_back_to_lte_anchor() -> None:
    reading = parse_servingcell(fixture("quectel_nsa_nr_invalid.txt"))
    assert reading.kpis == {"rsrp_dbm": -98.0, "rsrq_db": -10.0, "sinr_db": 14.0, "pci": 301, "arfcn": 1650}
    assert reading.ctx["rat"] == "LTE"
    assert reading.ctx["band"] == "B3"


def test_quectel_lte_only_with_invalid_markers() -> None:
    reading = parse_servingcell(fixture("quectel_lte.txt"))
    assert reading.kpis == {"rsrp_dbm": -104.0, "rsrq_db": -13.0, "sinr_db": 8.0, "pci": 62, "arfcn": 1300}
    assert reading.ctx == {"rat": "LTE", "operator": "460-00", "band": "B3", "cell_id": "1A2D001"}


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
