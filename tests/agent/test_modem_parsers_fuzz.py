"""Every AT parser, fed answers recombined from the real captures' own lines and fields (hypothesis): none may
raise, every KPI it reports lies inside the contract's range, and every context value within its length limit.

The modem is outside the trust boundary (a faulty firmware, a different model, or whatever answers on the
port); tests/agent/test_modem_parsers.py holds the hand-picked hostile answers, this file the ones nobody
thought of. The alphabet is the captures' own tokens plus the characters that broke parsers before ("²",
hex digits, signs, quotes, separators).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.sources.base import Reading
from edge_agent.sources.modem_fibocom import Module as FibocomModule
from edge_agent.sources.modem_fibocom import parse_gtccinfo
from edge_agent.sources.modem_huawei import parse_signal as parse_huawei
from edge_agent.sources.modem_quectel import Module, parse_servingcell
from i5g import contract

FIXTURES = Path(__file__).parent / "fixtures"


def _capture_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(FIXTURES.glob("*.txt")):
        lines += [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return lines


LINES = _capture_lines()
FIELDS = sorted({field for line in LINES for field in line.replace(":", ",").split(",")})
ODD = ["", "-", "²", "1²", "-32768", "32767", "255", "65535", "FFFFFFF", '"', "NaN", "inf", "1e309", "-0", " "]
PREFIXES = ['+QENG: "servingcell",', '+QENG: "NR5G-NSA",', '+QENG: "LTE",', "+GTCCINFO:", "1,4,", "1,9,",
            '^HCSQ: "LTE",', '^HCSQ: "NR",', "^MONSC: NR,", "^MONSC: LTE,"]  # fmt: skip

field = st.one_of(st.sampled_from(ODD), st.sampled_from(FIELDS), st.text(max_size=12))
mutated_line = st.builds(
    lambda prefix, fields: prefix + ",".join(fields), st.sampled_from(PREFIXES), st.lists(field, max_size=24)
)
# A parser may stop at its first line of a kind, so a mutated line alone is as likely as a mixed answer.
answer = mutated_line | st.lists(st.sampled_from(LINES) | mutated_line, min_size=1, max_size=6).map("\n".join)

PARSERS: dict[str, Callable[[str], Reading]] = {
    **{f"quectel {model}": partial(parse_servingcell, module=Module(model, None))
       for model in ("RM500Q", "RM520N-GL", "EG25", "EP06", None)},
    **{f"fibocom {model}": partial(parse_gtccinfo, module=FibocomModule(model))
       for model in ("FM350-GL", "FM160-CN", None)},
    "huawei ^HCSQ": parse_huawei,
    "huawei ^HCSQ + ^MONSC": lambda text: parse_huawei(text, text),
}  # fmt: skip


def assert_within_contract(reading: Reading) -> None:
    for name, value in reading.kpis.items():
        kpi = contract.KPIS[name]
        assert kpi.minimum <= value <= kpi.maximum, (name, value)
    assert all(isinstance(value, str) and len(value) <= contract.MAX_CTX_VALUE_CHARS for value in reading.ctx.values())


@settings(max_examples=1000, deadline=None)
@given(text=answer)
def test_no_parser_raises_or_leaves_the_contract_on_recombined_captures(text: str) -> None:
    for parse in PARSERS.values():
        assert_within_contract(parse(text))
