"""The radio path end to end: `i5g agent run` (validation, the exec into the lean runtime, pyserial) reads an
emulated modem on a pseudo-terminal that replays a real capture (tests/agent/modem_emulator.py), and what
reaches the broker is what the parser makes of that capture - values, radio context and service state -
for each AT family. The parsers' agreement with the modems' own same-moment readings is proven in
test_modem_parsers.py on the same fixtures; this proves nothing is lost or mislabelled on the way out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from devstack.mosquitto import MosquittoServer
from edge_agent.sources.base import Reading
from edge_agent.sources.modem_fibocom import FibocomSource, parse_cgmm, parse_gtccinfo
from edge_agent.sources.modem_huawei import HuaweiSource
from edge_agent.sources.modem_huawei import parse_signal as parse_huawei
from edge_agent.sources.modem_quectel import parse_ati, parse_servingcell
from tests.agent.modem_emulator import modem_pty
from tests.agent.test_modem_parsers import QENG, at_answer, capture_records, fixture


def _huawei() -> tuple[dict[bytes, bytes], Reading]:
    records = capture_records("huawei_mt5700m_real_samples.txt")
    hcsq, monsc = records["AT^HCSQ?"][0], records["AT^MONSC"][0]
    answers = {
        HuaweiSource.COMMAND: ("\r\n" + hcsq.replace("\n", "\r\n") + "\r\n").encode(),
        HuaweiSource.CELL_COMMAND: ("\r\n" + monsc.replace("\n", "\r\n") + "\r\n").encode(),
    }
    return answers, parse_huawei(hcsq, monsc)


def _quectel() -> tuple[dict[bytes, bytes], Reading]:
    answers = {b"ATI\r": at_answer("ati_rg500q_manual.txt"), QENG: at_answer("quectel_rg500q_nsa_3ginfo_lite_56.txt")}
    module = parse_ati(fixture("ati_rg500q_manual.txt"))
    return answers, parse_servingcell(fixture("quectel_rg500q_nsa_3ginfo_lite_56.txt"), module)


def _fibocom() -> tuple[dict[bytes, bytes], Reading]:
    answers = {
        FibocomSource.IDENTIFY: at_answer("fibocom_cgmm_fm350_3ginfo_lite_pr70.txt"),
        FibocomSource.COMMAND: at_answer("fibocom_fm350_sa_luci_app_fm350.txt"),
    }
    module = parse_cgmm(fixture("fibocom_cgmm_fm350_3ginfo_lite_pr70.txt"))
    return answers, parse_gtccinfo(fixture("fibocom_fm350_sa_luci_app_fm350.txt"), module)


CASES: dict[str, Callable[[], tuple[dict[bytes, bytes], Reading]]] = {
    "modem_quectel": _quectel,
    "modem_fibocom": _fibocom,
    "modem_huawei": _huawei,
}


@pytest.mark.parametrize("source", sorted(CASES))
def test_agent_publishes_what_the_modem_capture_says(
    source: str, mosquitto: MosquittoServer, tmp_path: Path, agent_processes, subscribers
) -> None:
    answers, expected = CASES[source]()
    assert expected.kpis.keys() & {"rsrp_dbm", "rsrq_db"}, "the capture must carry a radio measurement"
    gateway = f"gw-{source.replace('_', '-')}"
    sub = subscribers(mosquitto.port)
    with modem_pty(answers) as (port, received):
        config = tmp_path / "agent.toml"
        config.write_text(
            f'[agent]\ngateway_id = "{gateway}"\nstate_dir = "{tmp_path / "state"}"\ninterval_s = 0.2\n\n'
            f"[agent.mqtt]\nport = {mosquitto.port}\nreconnect_min_s = 0.05\nreconnect_max_s = 0.3\n\n"
            f'[agent.sources.{source}]\nenabled = true\nport = "{port}"\ntimeout_s = 3.0\n'
        )
        agent = agent_processes(config, tmp_path / "agent.log")
        sub.wait_for(lambda: len(sub.seqs(gateway)) >= 2, timeout=30, what=f"2 samples; log: {agent.log()}")
        agent.stop()
    sample = sub.telemetry(gateway)[-1]["samples"][-1]
    assert sample["kpis"] == expected.kpis
    assert sample.get("ctx", {}) == expected.ctx
    identify = {"modem_quectel": b"ATI\r", "modem_fibocom": FibocomSource.IDENTIFY}.get(source)
    if identify:  # once per opened port, not per tick
        assert received.count(identify) == 1, received
