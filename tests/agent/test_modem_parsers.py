"""Modem parsers on real captures (mmcli JSON, Quectel AT+QENG, Fibocom AT+GTCCINFO?, Huawei AT^HCSQ? / AT^MONSC).

Every fixture names its source in its header; where that source shows an independent reading of the same
moment (qmicli, a second AT command), the test asserts against it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from edge_agent.sources.base import AtPort, Reading
from edge_agent.sources.modem_fibocom import FibocomSource, band_name, parse_cgmm, parse_gtccinfo
from edge_agent.sources.modem_fibocom import Module as FibocomModule
from edge_agent.sources.modem_huawei import HuaweiSource, monsc_legs, parse_hcsq
from edge_agent.sources.modem_huawei import parse_signal as parse_huawei
from edge_agent.sources.modem_mm import ModemManagerSource, parse_signal, polling_armed
from edge_agent.sources.modem_quectel import (
    EC2X,
    RM5X0N,
    RM5XXQ,
    UNKNOWN,
    Module,
    QuectelSource,
    nr_sinr_off_scale,
    parse_ati,
    parse_servingcell,
)
from tests.agent.modem_emulator import modem_pty

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    """A fixture without its `#` source notes (a modem never prints a line starting with `#`)."""
    lines = (FIXTURES / name).read_text().splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("#"))


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


def test_mmcli_json_capture_of_a_real_lte_modem() -> None:
    """openwisp's test data for `mmcli --output-json --signal-get` (the form the source asks for)."""
    reading = parse_signal(fixture("mmcli_signal_json_lte_openwisp.txt"))
    assert reading.kpis == {"rsrp_dbm": -92.0, "rsrq_db": -9.0, "sinr_db": 19.2}
    assert reading.ctx == {"rat": "LTE"}


def test_mmcli_json_with_an_empty_5g_section_and_lte_rssi_only_reports_nothing() -> None:
    """openwisp-monitoring#779: ModemManager's 5g section all "--", LTE with an RSSI only (not a contract KPI):
    no value is invented and no 5G label is given to an LTE reading."""
    text = fixture("mmcli_signal_json_5g_empty_openwisp_779.txt")
    assert parse_signal(text).kpis == {} and parse_signal(text).ctx == {}
    assert polling_armed(text)  # refresh rate 30: signal polling is on


def test_mmcli_unit_suffix_is_tolerated() -> None:
    reading = parse_signal("modem.signal.5g.rsrp : -90.50 dBm\nmodem.signal.5g.snr : 3 dB\n")
    assert reading.kpis == {"rsrp_dbm": -90.5, "sinr_db": 3.0}


QENG = b'AT+QENG="servingcell"\r'
RM500Q = Module("RM500Q", None)  # the libqmi post names the model, not the firmware


def test_rm500q_endc_nr_leg_only_and_lte_sinr_matches_qmicli() -> None:
    """freedesktop/libqmi#2: qmicli read LTE SNR 30.0 dB, 5G RSRP -75 dBm / RSRQ -11 dB / SNR 18.5 dB."""
    text = fixture("quectel_rm500q_nsa_libqmi_pr2.txt")
    reading = parse_servingcell(text, RM500Q)
    # NR-labelled values come only from the NR5G-NSA line; its SINR "180" (early firmware, not dB) is invalid,
    # and the anchor's SINR is not borrowed in its place.
    assert reading.kpis == {"rsrp_dbm": -75.0, "rsrq_db": -11.0, "pci": 500}
    assert reading.ctx == {
        "rat": "NR5G-NSA",
        "operator": "001-01",
        "service": "idle",
        "anchor_band": "B3",
        "anchor_cell_id": "1A2D001",
    }
    # Without the NR line, the anchor is what is reported, labelled LTE; its <SINR> 25 is 2*25-20 = 30 dB as
    # the RM5xxQ manual's formula states - the same 30.0 dB qmicli read at that moment.
    anchor_only = "\n".join(line for line in text.splitlines() if "NR5G-NSA" not in line)
    lte = parse_servingcell(anchor_only, RM500Q)
    assert lte.kpis == {"rsrp_dbm": -70.0, "rsrq_db": -9.0, "sinr_db": 30.0, "pci": 1, "arfcn": 1575}
    assert lte.ctx == {"rat": "LTE", "band": "B3", "operator": "001-01", "cell_id": "1A2D001", "service": "idle"}


def test_rm5xxq_manual_examples_lte_and_endc() -> None:
    module = parse_ati(fixture("ati_rg500q_manual.txt"))
    assert module == Module("RG500QEA", "RG500QEAAAR01A01M4G")
    assert module.family is RM5XXQ
    lte = parse_servingcell(fixture("quectel_manual_v1.2_examples.txt"), module)
    assert lte.kpis == {"rsrp_dbm": -100.0, "rsrq_db": -12.0, "sinr_db": 2.0, "pci": 12, "arfcn": 1650}
    assert lte.ctx["rat"] == "LTE" and lte.ctx["band"] == "B3"
    endc = parse_servingcell(fixture("quectel_manual_v1.2_endc.txt"), module)
    # SINR (13) comes before RSRQ (-11) on the NSA line; NR <SINR> is dB.
    assert endc.kpis == {"rsrp_dbm": -71.0, "sinr_db": 13.0, "rsrq_db": -11.0, "pci": 747, "arfcn": 627264}
    assert endc.ctx == {
        "rat": "NR5G-NSA",
        "band": "n78",
        "operator": "460-01",
        "service": "idle",
        "anchor_band": "B3",
        "anchor_cell_id": "5F1EA15",
    }


def test_rm520n_limited_service_is_reported() -> None:
    """NVlabs/sionna-rk#18: an RM520N-GL camped on a lab gNB without registering (LIMSRV)."""
    module = Module("RM520N-GL", None)
    assert module.family is RM5X0N
    reading = parse_servingcell(fixture("quectel_rm520n_sa_limsrv_sionna_rk18.txt"), module)
    assert reading.kpis == {"rsrp_dbm": -72.0, "rsrq_db": -10.0, "sinr_db": 29.0, "pci": 0, "arfcn": 640320}
    assert reading.ctx == {
        "rat": "NR5G-SA",
        "band": "n77",
        "operator": "262-99",
        "cell_id": "000BC614E",
        "service": "limited",
    }


def test_unidentified_module_reports_no_sinr_and_qcainfo_agrees() -> None:
    """luci-app-3ginfo-lite#57: the model is not in the post, so no SINR is reported; AT+QCAINFO in the same
    response names the same carrier (ARFCN 620640, band 78, PCI 538)."""
    reading = parse_servingcell(fixture("quectel_sa_3ginfo_lite_57.txt"), None)
    assert reading.kpis == {"rsrp_dbm": -109.0, "rsrq_db": -12.0, "pci": 538, "arfcn": 620640}
    assert reading.ctx == {
        "rat": "NR5G-SA",
        "band": "n78",
        "operator": "515-66",
        "cell_id": "100072000",
        "service": "idle",
    }


EG25G = parse_ati(fixture("ati_eg25g.txt"))  # an EG25-G's own ATI (lukejenkins/cellular)


def field_of(text: str, prefix: str, index: int) -> str:
    """Field `index` (0 = the `+XXX:` token) of the first line of `text` starting with `prefix`."""
    return next(line for line in text.splitlines() if line.startswith(prefix)).split(",")[index].strip('"')


def test_ec2x_sinr_is_db_and_the_neighbour_entry_of_the_same_cell_agrees() -> None:
    """openqti's EG25-G capture: <SINR> 11 is 11 dB ("Unit: dB", EC2x manual V2.0 §6.17). The next command's
    intra-frequency entry is the serving cell itself (EARFCN 6300, PCI 188): its RSRP lies within 1 dB and its
    <srxlev> is the same 23."""
    assert EG25G.family is EC2X
    text = fixture("quectel_eg25g_lte_openqti.txt")
    reading = parse_servingcell(text, EG25G)
    assert reading.kpis == {"rsrp_dbm": -104.0, "rsrq_db": -9.0, "sinr_db": 11.0, "pci": 188, "arfcn": 6300}
    assert reading.ctx == {
        "rat": "LTE",
        "band": "B20",
        "operator": "214-01",
        "cell_id": "7676A09",
        "service": "idle",
    }
    intra = '+QENG: "neighbourcell intra"'
    assert (int(field_of(text, intra, 2)), int(field_of(text, intra, 3))) == (6300, 188)
    assert abs(int(field_of(text, intra, 5)) - reading.kpis["rsrp_dbm"]) <= 1
    assert field_of(text, intra, 8) == field_of(text, '+QENG: "servingcell"', 17) == "23"


def test_ec2x_manual_examples_negative_sinr_no_cell_and_gsm() -> None:
    blocks = fixture("quectel_ec2x_manual_v2.0_examples.txt").split("\n\n")
    lte = parse_servingcell(blocks[0], EG25G)
    # -4 can only be dB: the 1/5-dB (0..250) and the RM5xxQ (2X - 20) codings are never negative.
    assert lte.kpis == {"rsrp_dbm": -93.0, "rsrq_db": -13.0, "sinr_db": -4.0, "pci": 87, "arfcn": 38400}
    assert lte.ctx["band"] == "B39" and lte.ctx["operator"] == "460-00"
    assert "sinr_db" not in parse_servingcell(blocks[0], RM500Q).kpis  # 2 x -4 - 20: the family decides
    assert parse_servingcell(blocks[1], EG25G) == Reading({}, {"service": "none"})
    assert parse_servingcell(blocks[2], EG25G) == Reading({}, {"service": "limited"})  # GSM: no contract KPI


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("EG25", EC2X),  # lukejenkins/cellular ATI
        ("RM500Q-GL", RM5XXQ),  # luci-app-modemband#13 ATI
        ("RG500Q-EA", RM5XXQ),  # luci-app-3ginfo-lite#56 usb/devices
        ("RM520N-GL", RM5X0N),  # sionna-rk#18
        ("EP06-E", UNKNOWN),  # luci-app-3ginfo-lite#108: EP06/EG06/EM06 manual not found
        ("EG06-E", UNKNOWN),  # obsy/modemdata#12
        ("EG915N", UNKNOWN),  # ECx00x&EG800K&EG810M&EG91xN&EG950A manual family, not EG9x
        ("RM500U-CNV", UNKNOWN),  # luci-app-modemband#18 ATI: another platform, another manual
        ("EC200T", UNKNOWN),  # luci-app-3ginfo-lite#43: EC200x is not EC2x
        ("EC200A", UNKNOWN),  # luci-app-3ginfo-lite#135
    ],
)
def test_module_families(model: str, family: object) -> None:
    assert Module(model, None).family is family


def test_ep06_reports_no_sinr_and_its_carrier_agrees_with_qcainfo() -> None:
    """luci-app-3ginfo-lite#108 and #111 (EP06/EG06/EM06 family: no manual read, so no SINR). #111's LTE record
    ends in "-"; the PCC line of AT+QCAINFO in the same trace names the same carrier with the same RSRP."""
    ep06 = Module("EP06-E", "EP06ELAR04A22M4G")
    reading = parse_servingcell(fixture("quectel_ep06_lte_3ginfo_lite_108.txt"), ep06)
    assert reading.kpis == {"rsrp_dbm": -84.0, "rsrq_db": -9.0, "pci": 28, "arfcn": 1500}
    assert reading.ctx["rat"] == "LTE" and reading.ctx["band"] == "B3"
    text = fixture("quectel_ep06_lte_3ginfo_lite_111.txt")
    reading = parse_servingcell(text, ep06)
    assert reading.kpis == {"rsrp_dbm": -86.0, "rsrq_db": -13.0, "pci": 20, "arfcn": 3350}
    assert reading.ctx == {"rat": "LTE", "band": "B7", "operator": "222-88", "cell_id": "243800E", "service": "idle"}
    pcc = '+QCAINFO: "pcc"'
    assert [float(field_of(text, pcc, i)) for i in (1, 5, 6)] == [3350, 20, -86]  # EARFCN, PCI, RSRP


def test_unidentified_module_with_invalid_trailing_fields_agrees_with_qcainfo() -> None:
    """pastebin 2a9WR5hT (MikroTik log): <CQI>, <tx_power>, <srxlev> all "-"; AT+QCAINFO three seconds before
    reports the same carrier (EARFCN 476, PCI 189) with the same RSRP and RSRQ."""
    text = fixture("quectel_lte_mikrotik_pastebin.txt")
    reading = parse_servingcell(text, None)
    assert reading.kpis == {"rsrp_dbm": -104.0, "rsrq_db": -9.0, "pci": 189, "arfcn": 476}
    assert reading.ctx == {"rat": "LTE", "band": "B1", "operator": "216-70", "cell_id": "127328", "service": "idle"}
    pcc = '+QCAINFO: "pcc"'
    assert [float(field_of(text, pcc, i)) for i in (1, 5, 6, 7)] == [476, 189, -104, -9]


def test_rg500q_endc_agrees_with_qnwinfo_and_qcainfo() -> None:
    """luci-app-3ginfo-lite#56 (RG500Q-EA, EN-DC): the NR leg is what AT+QNWINFO names in the same answer
    (ARFCN 528030, band 41); its <SINR> 21 is dB. The anchor alone is reported as LTE with <SINR> 16 = 2 x 16 - 20
    = 12 dB (RM5xxQ §5.20) and agrees with AT+QCAINFO's PCC line (EARFCN 150, PCI 1, RSRP -89)."""
    text = fixture("quectel_rg500q_nsa_3ginfo_lite_56.txt")
    rg500q = Module("RG500Q-EA", None)
    reading = parse_servingcell(text, rg500q)
    assert reading.kpis == {"rsrp_dbm": -76.0, "rsrq_db": -11.0, "sinr_db": 21.0, "pci": 832, "arfcn": 528030}
    assert reading.ctx == {
        "rat": "NR5G-NSA",
        "band": "n41",
        "operator": "515-03",
        "service": "idle",
        "anchor_band": "B1",
        "anchor_cell_id": "3359966",
    }
    nr_info = text.splitlines()[1]
    assert nr_info.endswith('"NR5G BAND 41",528030') and nr_info.startswith('+QNWINFO: "TDD NR5G"')
    anchor = parse_servingcell(text.replace("NR5G-NSA", "removed"), rg500q)
    assert anchor.kpis == {"rsrp_dbm": -89.0, "rsrq_db": -13.0, "sinr_db": 12.0, "pci": 1, "arfcn": 150}
    pcc = '+QCAINFO: "PCC"'
    assert [float(field_of(text, pcc, i)) for i in (1, 5, 6)] == [150, 1, -89]


def test_rm5xxq_manual_v111_example_prints_nr_sinr_on_another_scale() -> None:
    """The V1.1.1 manual's own EN-DC example prints NR <SINR> 160 (range "-20 to 30 dB"): dropped, and it marks
    the scale as not dB; its LTE record stops right after <SINR>."""
    text = fixture("quectel_manual_v1.1.1_endc.txt")
    reading = parse_servingcell(text, RM500Q)
    assert reading.kpis == {"rsrp_dbm": -81.0, "rsrq_db": -11.0, "pci": 274, "arfcn": 627264}
    assert reading.ctx["rat"] == "NR5G-NSA" and reading.ctx["band"] == "n78" and reading.ctx["anchor_band"] == "B3"
    assert nr_sinr_off_scale(text, RM500Q)
    assert not nr_sinr_off_scale(fixture("quectel_manual_v1.2_endc.txt"), RM500Q)
    assert not nr_sinr_off_scale(text, None)  # unidentified: its NR <SINR> is not read anyway
    anchor = parse_servingcell(text.replace("NR5G-NSA", "removed"), RM500Q)
    assert anchor.kpis["sinr_db"] == 12.0 and anchor.ctx["rat"] == "LTE"


def test_rm5x0n_manual_sa_example() -> None:
    reading = parse_servingcell(fixture("quectel_manual_rm5x0n_sa.txt"), parse_ati(fixture("ati_rg520n_manual.txt")))
    assert reading.kpis == {"rsrp_dbm": -107.0, "rsrq_db": -13.0, "sinr_db": 2.0, "pci": 299, "arfcn": 633984}
    assert reading.ctx == {
        "rat": "NR5G-SA",
        "band": "n78",
        "operator": "460-01",
        "cell_id": "9013B004",
        "service": "idle",
    }


def test_ati_identifies_rm5x0n() -> None:
    module = parse_ati(fixture("ati_rg520n_manual.txt"))
    assert module == Module("RG520NNA", "RG520NNAAAR01A01M4G")
    assert module.family is RM5X0N


@contextlib.contextmanager
def emulated_modem(answers: dict[bytes, bytes], cls: type[AtPort] = QuectelSource) -> Iterator[tuple[Any, list[bytes]]]:
    """A `cls` source on an emulated modem (tests/agent/modem_emulator.py) and the commands it received."""
    with modem_pty(answers) as (port, received):
        source = cls({"port": port, "baudrate": 115200, "timeout_s": 3.0})
        try:
            yield source, received
        finally:
            source.close()


def at_answer(name: str) -> bytes:
    return ("\r\n".join(fixture(name).splitlines()) + "\r\nOK\r\n").encode()


def test_quectel_source_identifies_once_and_converts_per_family() -> None:
    answers = {b"ATI\r": at_answer("ati_rg500q_manual.txt"), QENG: at_answer("quectel_manual_v1.2_examples.txt")}
    with emulated_modem(answers) as (source, received):
        first = source.read()
        second = source.read()
    assert received == [b"ATI\r", QENG, QENG]  # ATI once, cached while the port stays open
    assert first.kpis["sinr_db"] == second.kpis["sinr_db"] == 2.0  # 2 x 11 - 20 (RM5xxQ manual §5.20)
    assert source.module is None  # closed: a re-enumerated port may carry another module


def test_quectel_source_stops_reading_nr_sinr_once_its_firmware_showed_another_scale() -> None:
    """After an NR <SINR> no dB value can have (160, V1.1.1 manual example), an in-range one from the same port
    (13, V1.2 example) is not trusted either; closing the port (a module may re-enumerate) resets it."""
    answers = {b"ATI\r": at_answer("ati_rg500q_manual.txt"), QENG: at_answer("quectel_manual_v1.1.1_endc.txt")}
    with emulated_modem(answers) as (source, received):
        first = source.read()
        answers[QENG] = at_answer("quectel_manual_v1.2_endc.txt")
        second = source.read()
        source.close()
        third = source.read()
    assert "sinr_db" not in first.kpis and "sinr_db" not in second.kpis
    assert second.kpis["rsrp_dbm"] == third.kpis["rsrp_dbm"] == -71.0  # the rest of the NR leg is still read
    assert third.kpis["sinr_db"] == 13.0
    assert received == [b"ATI\r", QENG, QENG, b"ATI\r", QENG]


def test_quectel_source_asks_gmr_when_ati_has_no_revision() -> None:
    answers = {
        b"ATI\r": b"\r\nQuectel\r\nRM520N-GL\r\n\r\nOK\r\n",
        b"AT+GMR\r": b"\r\nRM520NGLAAR03A03M4G\r\n\r\nOK\r\n",
        QENG: at_answer("quectel_rm520n_sa_limsrv_sionna_rk18.txt"),
    }
    with emulated_modem(answers) as (source, received):
        reading = source.read()
        module = source.module
    assert received == [b"ATI\r", b"AT+GMR\r", QENG]
    assert module == Module("RM520N-GL", "RM520NGLAAR03A03M4G")
    assert reading.ctx["service"] == "limited"


def test_quectel_source_error_result_is_raised() -> None:
    answers = {b"ATI\r": at_answer("ati_eg25g.txt"), QENG: b"\r\n+CME ERROR: 3\r\n"}
    with emulated_modem(answers) as (source, _), pytest.raises(RuntimeError, match="CME ERROR"):
        source.read()


def emulated_mmcli(tmp_path: Path, fixture_name: str) -> tuple[Path, Path, Path]:
    """ModemManager cannot run without a modem, so an emulated `mmcli` (a shell script, named as such) keeps the
    signal refresh rate as ModemManager does (`--signal-setup` sets it; deleting the file is a ModemManager
    restart) and answers `--signal-get --output-json` with the JSON capture `fixture_name`, its refresh rate
    replaced by the current one. Returns (mmcli, calls log, rate file)."""
    calls, rate = tmp_path / "calls.log", tmp_path / "rate"
    capture = json.loads(fixture(fixture_name))
    capture["modem"]["signal"]["refresh"]["rate"] = "@RATE@"
    template = tmp_path / "signal.json"
    template.write_text(json.dumps(capture))
    mmcli = tmp_path / "mmcli"
    mmcli.write_text(
        f'#!/bin/sh\necho "$@" >> {calls}\n'
        f'case "$*" in *--signal-setup=*) echo "${{*##*=}}" > {rate} ;;\n'
        f'  *--signal-get*--output-json*) sed "s/@RATE@/$(cat {rate} 2>/dev/null || echo 0)/" {template} ;;\n'
        "esac\n"
    )
    mmcli.chmod(0o755)
    return mmcli, calls, rate


def test_modemmanager_source_runs_mmcli(tmp_path: Path) -> None:
    mmcli, calls, _ = emulated_mmcli(tmp_path, "mmcli_signal_json_lte_openwisp.txt")
    source = ModemManagerSource({"mmcli": str(mmcli), "modem": 2, "signal_rate_s": 5, "timeout_s": 5.0})
    reading = source.read()
    assert reading.kpis == {"rsrp_dbm": -92.0, "rsrq_db": -9.0, "sinr_db": 19.2}
    assert calls.read_text().splitlines() == ["-m 2 --signal-setup=5", "-m 2 --signal-get --output-json"]


def test_modemmanager_signal_setup_is_rearmed_after_a_restart(tmp_path: Path) -> None:
    mmcli, calls, rate = emulated_mmcli(tmp_path, "mmcli_signal_json_lte_openwisp.txt")
    source = ModemManagerSource({"mmcli": str(mmcli), "modem": 2, "signal_rate_s": 5, "timeout_s": 5.0})
    source.read()
    rate.unlink()  # ModemManager restarted (or the modem re-enumerated): polling is off again
    source.read()
    source.read()
    setups = [line for line in calls.read_text().splitlines() if "--signal-setup" in line]
    assert setups == ["-m 2 --signal-setup=5", "-m 2 --signal-setup=5"]
    assert source.rearms == 1 and rate.read_text().strip() == "5"


# ------------------------------------------------------------------------------------------------ Fibocom

FM350 = parse_cgmm(fixture("fibocom_cgmm_fm350_3ginfo_lite_pr70.txt"))
FM160 = parse_cgmm(fixture("fibocom_cgmm_fm160_openwrt_fm160_probe.txt"))


def gtcainfo_pcc_dbm(text: str, arfcn: float) -> int:
    """The last field of the +GTCAINFO PCC line of that carrier: the modem's own dBm figure for it."""
    for line in text.splitlines():
        if line.startswith("PCC:") and int(line.split(",")[2]) == arfcn:
            return int(line.rsplit(",", 1)[1])
    raise AssertionError(f"no PCC line for ARFCN {arfcn}")


def cesq_kpis(text: str, rat: str) -> dict[str, float]:
    """The `+CESQ` line of a capture (TS 27.007 §8.69), lower edges: LTE <rsrq> n/2 - 20 dB, <rsrp> n - 141 dBm;
    NR <ss_rsrq> n/2 - 43.5 dB, <ss_rsrp> n - 157 dBm."""
    fields = [int(value) for value in text.split("+CESQ:")[1].splitlines()[0].split(",")]
    first, rsrq_offset, rsrp_offset = (4, -20.0, -141.0) if rat == "LTE" else (6, -43.5, -157.0)
    return {"rsrp_dbm": fields[first + 1] + rsrp_offset, "rsrq_db": fields[first] / 2 + rsrq_offset}


def test_fibocom_models_from_captured_cgmm_answers() -> None:
    assert (FM350.model, FM350.radix) == ("FM350-GL", 10)  # `+CGMM: "FM350-GL"`: prefix and quotes dropped
    assert (FM160.model, FM160.radix) == ("FM160-CN", 16)  # a bare `FM160-CN`
    # No capture establishes how these print <arfcn> / <pci>: not guessed from their siblings.
    assert FibocomModule("FM150-AE").radix is FibocomModule("FM190W-GL").radix is FibocomModule(None).radix is None
    assert parse_cgmm("AT+CGMM\n\nOK") == parse_cgmm("") == FibocomModule(None)
    assert len(parse_cgmm("A" * 5000).model or "") <= 64


@pytest.mark.parametrize(
    ("name", "kpis", "ctx"),
    [
        (
            "fibocom_fm350_lte_3ginfo_lite_pr70.txt",
            {"rsrp_dbm": -102.0, "rsrq_db": -16.5, "pci": 470, "arfcn": 1802},
            {"rat": "LTE", "operator": "250-01", "band": "B3", "cell_id": "000123456"},
        ),
        (
            "fibocom_fm350_sa_3ginfo_lite_122.txt",
            {"rsrp_dbm": -100.0, "rsrq_db": -7.0, "pci": 524, "arfcn": 176190},
            {"rat": "NR5G-SA", "operator": "460-11", "band": "n5", "cell_id": "5AB620605"},
        ),
        (
            "fibocom_fm350_lte_qmodem_260.txt",
            {"rsrp_dbm": -108.0, "rsrq_db": -11.5, "pci": 280, "arfcn": 1424},
            {"rat": "LTE", "operator": "250-02", "band": "B3", "cell_id": "004E31009"},
        ),
    ],
)
def test_fibocom_serving_cell_agrees_with_gtcainfo_of_the_same_moment(
    name: str, kpis: dict[str, float], ctx: dict[str, str]
) -> None:
    text = fixture(name)
    reading = parse_gtccinfo(text, FM350)
    assert reading.kpis == kpis  # no sinr_db: the scale of that field is not established (module docstring)
    assert reading.ctx == ctx
    # The modem's own dBm figure for the carrier (+GTCAINFO) lies inside the 1 dB step of the RSRP index, and
    # the PCC line names the same carrier by the same decimal ARFCN and PCI.
    assert reading.kpis["rsrp_dbm"] <= gtcainfo_pcc_dbm(text, reading.kpis["arfcn"]) <= reading.kpis["rsrp_dbm"] + 1
    assert f",{int(kpis['pci'])},{int(kpis['arfcn'])}," in text.split("+GTCAINFO:")[1]
    # An unidentified module: the same measurement, but no ARFCN / PCI (their radix is not known then).
    assert parse_gtccinfo(text).kpis == {"rsrp_dbm": kpis["rsrp_dbm"], "rsrq_db": kpis["rsrq_db"]}


@pytest.mark.parametrize(
    ("name", "rat", "kpis", "ctx", "channels"),
    [
        (
            "fibocom_fm350_sa_luci_app_fm350.txt",
            "NR",
            {"rsrp_dbm": -88.0, "rsrq_db": -11.5, "pci": 128, "arfcn": 504990},
            {"rat": "NR5G-SA", "operator": "460-00", "cell_id": "C2840C002"},
            (499200, 537999),  # n41 downlink NR-ARFCNs (TS 38.101-1 Table 5.4.2.3-1); 0x504990 is no NR-ARFCN
        ),
        (
            "fibocom_fm350_lte_fm350_usb_bench.txt",
            "LTE",
            {"rsrp_dbm": -112.0, "rsrq_db": -18.0, "pci": 42, "arfcn": 100},
            {"rat": "LTE", "operator": "262-02", "cell_id": "0012345AB"},
            (0, 599),  # B1 downlink EARFCNs (TS 36.101 Table 5.7.3-1), the band bench-log.md names
        ),
    ],
)
def test_fibocom_fm350_serving_cell_agrees_with_cesq_of_the_same_moment(
    name: str, rat: str, kpis: dict[str, float], ctx: dict[str, str], channels: tuple[int, int]
) -> None:
    text = fixture(name)
    reading = parse_gtccinfo(text, FM350)
    assert reading.kpis == kpis  # no sinr_db, though the SA capture shows <x> = 16 beside CESQ's 15.0 dB: see docs
    assert reading.ctx == ctx  # idle: <band> is empty, so no band
    assert channels[0] <= reading.kpis["arfcn"] <= channels[1]
    # +CESQ of the same moment: the same quantity, one 3GPP step (1 dB / 0.5 dB) apart at most.
    cesq = cesq_kpis(text, rat)
    assert abs(cesq["rsrp_dbm"] - kpis["rsrp_dbm"]) <= 1 and abs(cesq["rsrq_db"] - kpis["rsrq_db"]) <= 0.5


def test_fibocom_fm160_prints_channel_and_pci_in_hex_and_agrees_with_cesq_of_the_session() -> None:
    text = fixture("fibocom_fm160_lte_openwrt_fm160_probe.txt")
    reading = parse_gtccinfo(text, FM160)
    assert reading.kpis == {"rsrp_dbm": -78.0, "rsrq_db": -8.0, "pci": 484, "arfcn": 1650}
    assert reading.ctx == {"rat": "LTE", "operator": "460-01", "band": "B3", "cell_id": "52BF337"}
    assert 1200 <= reading.kpis["arfcn"] <= 1949  # a B3 EARFCN (TS 36.101 Table 5.7.3-1), as its band 103 says
    cesq = cesq_kpis(text, "LTE")  # +CESQ of the same session, moments apart: within one step
    assert abs(cesq["rsrp_dbm"] - reading.kpis["rsrp_dbm"]) <= 1 and abs(cesq["rsrq_db"] - reading.kpis["rsrq_db"]) <= 1
    # Read as decimal, 672 would be a B2 channel and `1E4` no PCI: an unidentified module reports neither.
    assert parse_gtccinfo(text).kpis == {"rsrp_dbm": -78.0, "rsrq_db": -8.0}
    assert parse_gtccinfo(text, FibocomModule("FM150-AE")).kpis == {"rsrp_dbm": -78.0, "rsrq_db": -8.0}


def test_fibocom_endc_nr_values_only_from_the_nr_line() -> None:
    text = fixture("fibocom_fm350_endc_3ginfo_lite_pr70.txt")
    reading = parse_gtccinfo(text, FM350)
    assert reading.kpis == {"rsrp_dbm": -89.0, "rsrq_db": -3.5, "pci": 143, "arfcn": 723322}
    assert reading.ctx == {
        "rat": "NR5G-NSA",
        "band": "n79",
        "operator": "250-01",  # the anchor's network: the NR line of EN-DC carries no PLMN of its own
        "anchor_band": "B3",
        "anchor_cell_id": "001234567",
    }
    # Without a valid NR measurement the anchor is reported, labelled LTE, and agrees with its PCC figure.
    no_nr = text.replace("723322,143,5079,500,13,68,68,80", "723322,143,5079,500,13,255,255,255")
    anchor = parse_gtccinfo(no_nr, FM350)
    assert anchor.ctx["rat"] == "LTE" and anchor.ctx["band"] == "B3" and "anchor_band" not in anchor.ctx
    assert anchor.kpis["rsrp_dbm"] == -79.0 and anchor.kpis["rsrp_dbm"] <= gtcainfo_pcc_dbm(text, 1721) <= -78


def test_fibocom_band_codes_and_no_service() -> None:
    assert [band_name("LTE", "103"), band_name("LTE", "166"), band_name("NR", "5079"), band_name("NR", "505")] == [
        "B3", "B66", "n79", "n5",
    ]  # fmt: skip
    assert band_name("LTE", "") is None and band_name("NR", "79") is None
    assert parse_gtccinfo("+GTCCINFO:\n\nOK").ctx == {"service": "none"}  # no serving line: a fact, reported
    # The FM160 prints only label lines when it has no serving cell: that is no service too.
    assert parse_gtccinfo("+GTCCINFO:\nLTE service cell:\nLTE neighbor cell:\n", FM160).ctx == {"service": "none"}


def test_fibocom_source_identifies_once_per_port() -> None:
    answers = {
        FibocomSource.IDENTIFY: at_answer("fibocom_cgmm_fm350_3ginfo_lite_pr70.txt"),
        FibocomSource.COMMAND: at_answer("fibocom_fm350_sa_3ginfo_lite_122.txt"),
    }
    with emulated_modem(answers, FibocomSource) as (source, received):
        first, second = source.read(), source.read()
    assert received == [b"AT+CGMM\r", b"AT+GTCCINFO?\r", b"AT+GTCCINFO?\r"]
    assert first == second and first.ctx["rat"] == "NR5G-SA"
    assert first.kpis == {"rsrp_dbm": -100.0, "rsrq_db": -7.0, "pci": 524, "arfcn": 176190}


def test_fibocom_source_with_a_module_that_will_not_say_its_model() -> None:
    answers = {FibocomSource.COMMAND: at_answer("fibocom_fm160_lte_openwrt_fm160_probe.txt")}  # AT+CGMM: ERROR
    with emulated_modem(answers, FibocomSource) as (source, received):
        reading = source.read()
    assert received == [b"AT+CGMM\r", b"AT+GTCCINFO?\r"]
    assert reading.kpis == {"rsrp_dbm": -78.0, "rsrq_db": -8.0} and reading.ctx["band"] == "B3"


# ------------------------------------------------------------------------------------------------- Huawei


def test_huawei_hcsq_lte_conversions_follow_modemmanager() -> None:
    blocks = fixture("huawei_hcsq_modemmanager_tests.txt").split("\n\n")
    # ^HCSQ:"LTE",30,19,66,0: RSRP -141+19, SINR -20.2+66/5, RSRQ -20+0/2 (ModemManager's huawei plugin)
    assert parse_hcsq(blocks[0]).kpis == {"rsrp_dbm": -122.0, "sinr_db": -7.0, "rsrq_db": -20.0}
    assert parse_hcsq(blocks[0]).ctx == {"rat": "LTE"}
    assert parse_hcsq(blocks[1]).kpis == {"rsrp_dbm": -101.0, "sinr_db": 6.8, "rsrq_db": -14.5}  # unquoted LTE
    assert parse_hcsq(blocks[2]) == parse_hcsq('^HCSQ: "WCDMA",30,30,58')  # 3G: rat only
    assert parse_hcsq(blocks[2]).kpis == {} and parse_hcsq(blocks[2]).ctx == {"rat": "UMTS"}
    assert parse_hcsq(blocks[3]).ctx == parse_hcsq(blocks[4]).ctx == {"service": "none"}


def test_huawei_out_of_range_indexes_are_not_guessed() -> None:
    reading = parse_hcsq('^HCSQ: "LTE",30,255,255,255')  # 255: not known
    assert reading.kpis == {} and reading.ctx == {"rat": "LTE"}
    # NR index 0 is "below the clamp" (the NR ranges reach far lower): no value, where LTE index 0 is one
    assert parse_hcsq('^HCSQ: "NR",0,0,0').kpis == {} and parse_hcsq('^HCSQ: "NR",0,0,0').ctx == {"rat": "NR5G-SA"}
    assert parse_hcsq('^HCSQ: "NR",255,255,255') == parse_hcsq('^HCSQ: "NR",0,0,0')


def capture_records(name: str) -> dict[str, list[str]]:
    """`AT_CMD: <command>` / `  respN: <answer with literal \\r\\n>` records -> {command: [answers]}."""
    records: dict[str, list[str]] = {}
    command = ""
    for line in fixture(name).splitlines():
        if line.startswith("AT_CMD: "):
            command = line.removeprefix("AT_CMD: ")
        elif line.strip().startswith("resp"):
            records.setdefault(command, []).append(line.partition(": ")[2].replace("\\r\\n", "\n"))
    return records


def nrssbid_serving(text: str) -> tuple[int, int, float, float]:
    """^NRSSBID's serving-cell part: arfcn, pci (decimal), rsrp, sinr (Balong AT_FmtNrSsbIdData)."""
    fields = text.splitlines()[0].partition(":")[2].split(",")
    return int(fields[0]), int(fields[2]), float(fields[3]), float(fields[4])


def test_huawei_nr_hcsq_scaling_against_nrssbid_of_the_same_capture() -> None:
    records = capture_records("huawei_mt5700m_real_samples.txt")
    arfcn, pci, rsrp, sinr = nrssbid_serving(records["AT^NRSSBID?"][0])
    reading = parse_huawei(records["AT^HCSQ?"][0], records["AT^MONSC"][0])
    # ^HCSQ: "NR",68,211,31 -> RSRP 68 - 141, SINR (211 - 1) / 5 - 20, RSRQ 31 - 40 (Balong AT_Format5GHcsqResult)
    assert {key: reading.kpis[key] for key in ("rsrp_dbm", "sinr_db", "rsrq_db")} == {
        "rsrp_dbm": -73.0,
        "sinr_db": 22.0,
        "rsrq_db": -9.0,
    }
    assert abs(reading.kpis["rsrp_dbm"] - rsrp) <= 1 and abs(reading.kpis["sinr_db"] - sinr) <= 1  # ^NRSSBID
    # NR RSRQ is not the LTE half-dB table (that would say -4.5): both ^MONSC answers printed -9 dB
    assert all(monsc_legs(answer)["NR"].kpis["rsrq_db"] == reading.kpis["rsrq_db"] for answer in records["AT^MONSC"])
    # the cell identity comes from ^MONSC (PCI in hex: 0x114) and matches ^NRSSBID's
    assert (reading.kpis["pci"], reading.kpis["arfcn"]) == (pci, arfcn) == (276, 524910)
    assert reading.ctx == {"rat": "NR5G-SA", "operator": "460-00", "cell_id": "C027F5065"}
    assert records["AT^MONSSC"][0].startswith("^MONSSC: NONE")  # no secondary cell: SA, as labelled


def test_huawei_monsc_nr_values_are_dbm_and_db_like_nrssbid() -> None:
    monsc, nrssbid = fixture("huawei_mt5700m_monsc_nrssbid.txt").strip().split("\n\n")
    arfcn, pci, rsrp, sinr = nrssbid_serving(nrssbid)
    cell = monsc_legs(monsc)["NR"]
    # the Balong table says "单位：dBm" for <SINR>; the same moment's ^NRSSBID shows it is the dB SINR
    assert cell.kpis == {"rsrp_dbm": rsrp, "rsrq_db": -9, "sinr_db": sinr, "pci": pci, "arfcn": arfcn}
    assert cell.kpis["sinr_db"] == 17 and cell.kpis["pci"] == 276


def test_huawei_monsc_layouts_per_rat() -> None:
    lte_example, nr_example, lte_capture = fixture("huawei_monsc_examples.txt").strip().split("\n\n")
    # LTE: no SINR field (the last one is RSSI, -72) and no PCI (decimal in ME909s, hex in Balong)
    assert monsc_legs(lte_example) == {
        "LTE": Reading({"rsrp_dbm": -98, "rsrq_db": -5, "arfcn": 1650}, {"operator": "460-01", "cell_id": "A5C933"})
    }
    assert monsc_legs(nr_example)["NR"].kpis == {
        "rsrp_dbm": -80,
        "rsrq_db": -10,
        "sinr_db": 32,
        "pci": 0x1F3,
        "arfcn": 1650,
    }
    assert monsc_legs(lte_capture)["LTE"].kpis == {"rsrp_dbm": -85, "rsrq_db": -10, "arfcn": 38400}
    assert monsc_legs("^MONSC: NONE") == monsc_legs("^MONSC: NR,460,00") == {}
    # "暂时未获取到的参数留空" (fields not yet known are left empty): no value, no error
    assert monsc_legs("^MONSC: NR,460,00,,1,,,,,,") == {"NR": Reading({}, {"operator": "460-00"})}


def test_huawei_monsc_only_adds_to_the_rat_hcsq_reported() -> None:
    lte_capture = fixture("huawei_monsc_examples.txt").strip().split("\n\n")[2]
    records = capture_records("huawei_mt5700m_real_samples.txt")
    # the modem moved to LTE between the two commands: ^HCSQ's NR reading stands alone, nothing of LTE in it
    assert parse_huawei(records["AT^HCSQ?"][0], lte_capture) == parse_huawei(records["AT^HCSQ?"][0])
    # without ^MONSC (ERROR: no service or not supported) ^HCSQ still reads
    assert parse_huawei(records["AT^HCSQ?"][0], "").kpis == {"rsrp_dbm": -73.0, "sinr_db": 22.0, "rsrq_db": -9.0}


def monsc_tail(line: str) -> tuple[float, float, float]:
    """A ^MONSC line's last three fields as numbers (the changelog capture elides the fields before them)."""
    rsrp, rsrq, last = (float(field) for field in line.split(",")[-3:])
    return rsrp, rsrq, last


def test_huawei_nr_hcsq_against_the_monsc_read_with_it_on_a_second_mt5700m() -> None:
    pair_a, pair_b = fixture("huawei_mt5700m_lianxia_hcsq_monsc.txt").strip().split("\n\n")[:2]
    # ^HCSQ: "NR",77,236,31 and 77,241,31: RSRP 77 - 141, SINR (v - 1) / 5 - 20, RSRQ 31 - 40 (the Balong NR table)
    expected = (
        {"rsrp_dbm": -64.0, "sinr_db": 27.0, "rsrq_db": -9.0},
        {"rsrp_dbm": -64.0, "sinr_db": 28.0, "rsrq_db": -9.0},
    )
    for pair, values in zip((pair_a, pair_b), expected, strict=True):
        hcsq, monsc = pair.splitlines()
        kpis = parse_hcsq(hcsq).kpis
        assert kpis == pytest.approx(values)
        rsrp, rsrq, sinr = monsc_tail(monsc)  # ^MONSC of the same reading, printed in dBm / dB
        measured = {"rsrp_dbm": rsrp, "sinr_db": sinr, "rsrq_db": rsrq}
        assert all(abs(kpis[key] - value) <= 1 for key, value in measured.items())
        # the LTE half-dB table would read index 31 as -4.5 dB: 4.5 dB and more off both ^MONSC readings (-10, -9)
        assert abs(31 / 2 - 20 - rsrq) > 4
    # the full ^MONSC line adds the cell: PCI "80" in hex (128, as a Fibocom module on that cell printed it)
    reading = parse_huawei(pair_a, pair_a)
    assert (reading.kpis["pci"], reading.kpis["arfcn"]) == (128, 504990)
    assert reading.ctx == {"rat": "NR5G-SA", "operator": "460-00", "cell_id": "C2840C002"}
    assert monsc_legs(pair_b) == {}  # the elided line is too short to be a cell: nothing, no error


def test_huawei_lte_hcsq_on_a_balong_5000_against_its_monsc() -> None:
    lte_pair, lte_alone = fixture("huawei_mt5700m_lianxia_hcsq_monsc.txt").strip().split("\n\n")[2:]
    reading = parse_huawei(lte_pair, lte_pair)
    # ^HCSQ: "LTE",66,55,166,18 -> RSRP -141 + 55, SINR -20.2 + 166/5, RSRQ -20 + 18/2 (the ME909s tables)
    assert reading.kpis == pytest.approx({"rsrp_dbm": -86.0, "sinr_db": 13.0, "rsrq_db": -11.0, "arfcn": 38400})
    assert reading.ctx == {"rat": "LTE", "operator": "460-00", "cell_id": "D975244"}
    # the same LTE-locked session's ^MONSC (not said to be the same moment): within 1 dB on both. The NR RSRQ
    # table would have read index 18 as -22 dB.
    cell = monsc_legs(lte_pair)["LTE"].kpis
    assert abs(reading.kpis["rsrp_dbm"] - cell["rsrp_dbm"]) <= 1 and abs(reading.kpis["rsrq_db"] - cell["rsrq_db"]) <= 1
    assert parse_hcsq(lte_alone).kpis == pytest.approx({"rsrp_dbm": -107.0, "sinr_db": 1.0, "rsrq_db": -10.5})


def test_huawei_monsc_in_en_dc_is_the_lte_anchor_and_feeds_no_nr_value() -> None:
    monsc, hfreqinfo, lendc = fixture("huawei_mt5700m_endc_monsc_console.txt").strip().split("\n\n")
    # the same round: EN-DC established (^LENDC <nr_pscell> 1) and an NR carrier in use (^HFREQINFO sysmode 7)
    assert lendc.rsplit(",", 1)[1] == "1" and [line.split(",")[1] for line in hfreqinfo.splitlines()] == ["6", "7"]
    # ... and ^MONSC answers with the LTE anchor: its ARFCN is ^HFREQINFO's LTE carrier (B3, 1300)
    anchor = monsc_legs(monsc)
    assert set(anchor) == {"LTE"} and anchor["LTE"].kpis == {"rsrp_dbm": -70, "rsrq_db": -6, "arfcn": 1300}
    # so beside an NR ^HCSQ line it gives the NR leg nothing (the line here: the real one of the SA capture)
    nr_line = capture_records("huawei_mt5700m_real_samples.txt")["AT^HCSQ?"][0]
    assert parse_huawei(nr_line, monsc) == parse_huawei(nr_line)


def test_huawei_source_on_an_emulated_port() -> None:
    answers = {HuaweiSource.COMMAND: b'\r\n^HCSQ: "LTE",33,40,135,11\r\n\r\nOK\r\n'}  # ^MONSC: ERROR
    with emulated_modem(answers, HuaweiSource) as (source, received):
        reading = source.read()
    assert received == [b"AT^MONSC\r", b"AT^HCSQ?\r"]
    assert reading.kpis == {"rsrp_dbm": -101.0, "sinr_db": 6.8, "rsrq_db": -14.5}


def test_huawei_source_reads_monsc_beside_hcsq() -> None:
    records = capture_records("huawei_mt5700m_real_samples.txt")
    answers = {
        HuaweiSource.COMMAND: ("\r\n" + records["AT^HCSQ?"][0].replace("\n", "\r\n") + "\r\n").encode(),
        HuaweiSource.CELL_COMMAND: ("\r\n" + records["AT^MONSC"][0].replace("\n", "\r\n") + "\r\n").encode(),
    }
    with emulated_modem(answers, HuaweiSource) as (source, received):
        reading = source.read()
    assert received == [b"AT^MONSC\r", b"AT^HCSQ?\r"]
    assert reading.kpis["pci"] == 276 and reading.kpis["rsrq_db"] == -9.0 and reading.ctx["rat"] == "NR5G-SA"


# ------------------------------------------------------------------------------------------------ hostile


HUGE = "9" * 5000  # past int()'s 4300-digit limit: parsing it naively raises instead of answering


@pytest.mark.parametrize(
    "answer",
    [
        f"+GTCCINFO:\n1,4,{HUGE},{HUGE},{HUGE},{'A' * 5000},{HUGE},{HUGE},{HUGE},100,-4,{HUGE},{HUGE},{HUGE}",
        f"+GTCCINFO:\nLTE service cell:\n1,4,460,01,{'F' * 5000},{'F' * 5000},{'F' * 5000},1G4,103,1,44,63,-6,x\n1,9,,",
        "+GTCCINFO:\n1,4,2²0,1,1234,000123456,1802,470,10²,100,-4,39,3²,7\n1,9,,,,,,,50²9,,,,1²,",  # int() refuses ²
        '^HCSQ: "LTE",30,1²,66,0\n^HCSQ: "NR",6²,1,1',
        "^MONSC: NR,4²0,01,504990,1,1²,1F²,2,-7²,-1²,1²",
        f'^HCSQ: "LTE",{HUGE},{HUGE},{HUGE},{HUGE}',
        f'+QENG: "servingcell","NOCONN","LTE","FDD",{HUGE},{HUGE},{"B" * 5000},1,{HUGE},{"x" * 5000},5,5,1,{HUGE}',
        f"^MONSC: NR,{HUGE},{HUGE},{HUGE},{HUGE},{'F' * 5000},{'F' * 5000},{HUGE},-{HUGE},{HUGE},{'x' * 5000}",
        f"^MONSC: LTE,460,{HUGE},{HUGE},{'C' * 5000},{HUGE},{HUGE},-{HUGE},-{HUGE},{HUGE}",
    ],
)
def test_an_absurd_modem_answer_yields_no_values_and_bounded_context(answer: str) -> None:
    """A modem (or whatever answers on the port) is outside the trust boundary: oversized fields must neither
    raise nor pass unbounded strings into ctx, whose values the contract limits."""
    parsers = (parse_gtccinfo, lambda text: parse_gtccinfo(text, FM160), parse_hcsq)
    huawei = (lambda text: parse_huawei('^HCSQ: "NR",1,1,1', text), lambda text: parse_huawei('^HCSQ: "LTE",1', text))
    for parse in (*parsers, *huawei, *(partial(parse_servingcell, module=m) for m in (RM500Q, EG25G))):
        reading = parse(answer)
        assert all(abs(value) < 1e7 for value in reading.kpis.values())
        assert all(len(value) <= 64 for value in reading.ctx.values())
