"""Quectel serving cell over the AT port: `AT+QENG="servingcell"` (pyserial), read per module family.

Formats (RG50xQ&RM5xxQ AT Commands Manual V1.2 §5.20; RG520N&RG525F&RG5x0F&RM5x0N manual V1.0.0 §5.20;
EC2x&EG9x&EG2x-G&EM05 manual V2.0 §6.17):
- SA: `+QENG: "servingcell",<state>,"NR5G-SA",<duplex>,<MCC>,<MNC>,<cellID>,<PCID>,<TAC>,<ARFCN>,<band>,
  <NR_DL_bandwidth>,<RSRP>,<RSRQ>,<SINR>,<scs>,<srxlev>`
- LTE only: `+QENG: "servingcell",<state>,"LTE",<is_tdd>,<MCC>,<MNC>,<cellID>,<PCID>,<earfcn>,<band>,
  <UL_bw>,<DL_bw>,<TAC>,<RSRP>,<RSRQ>,<RSSI>,<SINR>,<CQI>,<tx_power>,<srxlev>` (EC2x: no CQI / tx_power, so
  <SINR> is at the same position; fields are taken from the front and trailing ones may be missing or `-`)
- EN-DC/NSA: `+QENG: "servingcell",<state>`, `+QENG: "LTE",...` (the anchor, fields as above) and
  `+QENG: "NR5G-NSA",<MCC>,<MNC>,<PCID>,<RSRP>,<SINR>,<RSRQ>,<ARFCN>,<band>,...` (SINR before RSRQ).
- GSM / WCDMA serving cells are not read (no contract KPI); `<state>` alone (SEARCH) still is.

The unit of `<SINR>` is not the same everywhere, and a wrong unit passes any range check, so it is read per
family as its manual states it (docs/telemetry.md quotes the sections):
- RG50xQ/RM5xxQ and RG520N/RM5x0N, LTE record: "Y = (1/5) x X x 10 - 20" dB, i.e. 2X - 20 (range -20..30 dB).
- The same families, NR record: dB, range -20..30 (RM5xxQ) / -23..40 (RM5x0N). Early RM500Q firmware printed
  other scales there (180 for 18.5 dB; the V1.1.1 manual's own example prints 160): a value outside the
  family's range is invalid, never rescaled; one no dB reading can have (outside 3GPP's -23..40) also marks
  that port's NR <SINR> untrusted until the port is closed, because the same scale puts small real values
  (-2..3 dB) inside the range.
- EC2x/EG9x/EG2x-G/EM05 (LTE only): "Logarithmic value of SINR. Range: -20 to +30. Unit: dB" (V2.0 §6.17).
- Any other family (EP06/EG06/EM06, EG12/EM12/EG18: their manual was not found) and a module that could not
  be identified: no SINR at all.
The module is identified once per opened port with ATI (model, revision), AT+GMR when ATI has no revision.

EN-DC: NR-labelled KPIs come only from the NR5G-NSA line; when it is invalid or missing the anchor's values
are reported labelled LTE. The anchor's band and cell id go to `anchor_band` / `anchor_cell_id`, never to the
NR ones. `<state>` is reported as `ctx.service` (SEARCH -> none, LIMSRV -> limited, NOCONN -> idle,
CONNECT -> connected): "no service" is a fact, not an empty reading.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from edge_agent.sources.base import (
    IdentifiedAtSource,
    Reading,
    checked,
    ctx_value,
    in_range,
    operator_id,
    serving_reading,
)
from i5g import contract

log = logging.getLogger(__name__)

INVALID_MARKERS = {"-", "", "-32768", "32767"}

# Field positions after the leading record-type token, per record type.
_SA = {"mcc": 1, "mnc": 2, "cell_id": 3, "pci": 4, "arfcn": 6, "band": 7, "rsrp": 9, "rsrq": 10, "sinr": 11}
_LTE = {"mcc": 1, "mnc": 2, "cell_id": 3, "pci": 4, "arfcn": 5, "band": 6, "rsrp": 10, "rsrq": 11, "sinr": 13}
_NSA = {"mcc": 0, "mnc": 1, "pci": 2, "rsrp": 3, "sinr": 4, "rsrq": 5, "arfcn": 6, "band": 7}

# <state> (manual §5.20) -> ctx.service
SERVICE_STATES = {"SEARCH": "none", "LIMSRV": "limited", "NOCONN": "idle", "CONNECT": "connected"}


@dataclass(frozen=True)
class Family:
    """A Quectel module family: the manual it follows and the <SINR> units that manual states."""

    name: str
    manual: str
    lte_sinr_scale: tuple[float, float] | None  # dB = raw * a + b as the manual states; None: unit not stated
    lte_sinr_range_db: tuple[float, float] | None
    nr_sinr_range_db: tuple[float, float] | None  # NR <SINR> is dB; None: no NR record / unit not stated

    def lte_sinr_db(self, raw: float | None) -> float | None:
        if raw is None or self.lte_sinr_scale is None or self.lte_sinr_range_db is None:
            return None
        scale, offset = self.lte_sinr_scale
        return _inside(raw * scale + offset, self.lte_sinr_range_db)

    def nr_sinr_db(self, raw: float | None) -> float | None:
        if raw is None or self.nr_sinr_range_db is None:
            return None
        return _inside(raw, self.nr_sinr_range_db)


def _inside(value: float, bounds: tuple[float, float]) -> float | None:
    return value if bounds[0] <= value <= bounds[1] else None


RM5XXQ = Family(
    "RG50xQ/RM5xxQ",
    "RG50xQ&RM5xxQ Series AT Commands Manual V1.2 (2021-08-09) §5.20",
    (2.0, -20.0),
    (-20, 30),
    (-20, 30),
)
RM5X0N = Family(
    "RG520N/RM5x0N",
    "RG520N&RG525F&RG5x0F&RM5x0N Series AT Commands Manual V1.0.0 (2023-07-31) §5.20",
    (2.0, -20.0),
    (-20, 30),
    (-23, 40),
)
EC2X = Family(
    "EC2x/EG9x/EG2x-G/EM05",
    "EC2x&EG9x&EG2x-G&EM05 Series AT Commands Manual V2.0 (2021-02-24) §6.17",
    (1.0, 0.0),  # "Unit: dB": printed as it is
    (-20, 30),
    None,  # LTE modules: no NR record
)
UNKNOWN = Family("unknown", "-", None, None, None)

# Model name (as ATI prints it) -> family. First match wins. The EC2x pattern stops at a digit so that EC200x,
# EG91xN / EG915U and other families with a different manual (and firmware) do not match.
_FAMILY_PATTERNS = (
    (re.compile(r"^R[GM]50\dQ|^RM51\dQ"), RM5XXQ),
    (re.compile(r"^RM5[23]0N|^RG5[23]0[NF]|^RG525F"), RM5X0N),
    (re.compile(r"^(EC2[015]|EG2[15]|EG9[15]|EM05)(?!\d)"), EC2X),
)


@dataclass(frozen=True)
class Module:
    """The module behind the port, as ATI / AT+GMR name it."""

    model: str | None
    revision: str | None

    @property
    def family(self) -> Family:
        for pattern, family in _FAMILY_PATTERNS:
            if self.model and pattern.match(self.model.upper()):
                return family
        return UNKNOWN


def parse_ati(text: str) -> Module:
    """`ATI` -> model and revision: `Quectel` / `<model>` / `Revision: <rev>` (echo and OK ignored)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and line.strip() not in ("OK", "ATI")]
    model = None
    revision = None
    for index, line in enumerate(lines):
        if line.lower().startswith("revision:"):
            revision = line.partition(":")[2].strip() or None
        elif line.lower() == "quectel" and index + 1 < len(lines) and ":" not in lines[index + 1]:
            model = lines[index + 1]
    return Module(model, revision)


def split_fields(line: str) -> list[str]:
    """`+QENG: "a",1,-` -> ["a", "1", "-"]."""
    _, _, rest = line.partition(":")
    return [field.strip().strip('"') for field in rest.split(",")]


def _field(fields: list[str], index: int | None) -> str | None:
    if index is None or index >= len(fields):
        return None
    value = fields[index]
    return None if value in INVALID_MARKERS else value


def _number(fields: list[str], index: int | None) -> float | None:
    value = _field(fields, index)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Record:
    """One serving-cell record of the response: its kind (NR5G-SA, LTE, NR5G-NSA), its fields after the
    record-type token, and their positions."""

    kind: str
    fields: list[str]
    layout: dict[str, int]

    @property
    def nr(self) -> bool:
        return self.kind != "LTE"

    @property
    def sinr(self) -> float | None:
        return _number(self.fields, self.layout["sinr"])


def _records(text: str) -> tuple[str | None, list[Record]]:
    """The `<state>` and the LTE / NR serving-cell records of an `AT+QENG="servingcell"` response, in order."""
    state: str | None = None
    records: list[Record] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("+QENG:"):
            continue
        fields = split_fields(line)
        if fields[0] == "servingcell":
            state = fields[1] if len(fields) > 1 else None
            kind = fields[2] if len(fields) > 2 else None
            if kind == "NR5G-SA":
                records.append(Record(kind, fields[3:], _SA))
            elif kind == "LTE":
                records.append(Record(kind, fields[3:], _LTE))
        elif fields[0] == "LTE":
            records.append(Record("LTE", fields[1:], _LTE))
        elif fields[0] == "NR5G-NSA":
            records.append(Record("NR5G-NSA", fields[1:], _NSA))
    return state, records


def nr_sinr_off_scale(text: str, module: Module | None) -> bool:
    """True when an NR record of a family whose NR <SINR> is read carries a value no dB reading can have
    (outside 3GPP's -23..40 dB): that firmware prints another scale (early RM500Q: 180 for 18.5 dB), so none
    of its NR <SINR> values can be taken as dB. (A value inside 3GPP's range but outside the manual's is only
    dropped: it proves no other scale.)"""
    if module is None or module.family.nr_sinr_range_db is None:
        return False
    _, records = _records(text)
    return any(record.nr and in_range("sinr_db", record.sinr) is None for record in records if record.sinr is not None)


def _leg(record: Record, sinr_db: float | None) -> Reading:
    """KPIs and context of one serving-cell record."""
    fields, layout = record.fields, record.layout
    kpis = checked(
        {
            "rsrp_dbm": _number(fields, layout["rsrp"]),
            "rsrq_db": _number(fields, layout["rsrq"]),
            "sinr_db": sinr_db,
            "pci": _number(fields, layout["pci"]),
            "arfcn": _number(fields, layout["arfcn"]),
        }
    )
    ctx: dict[str, str] = {}
    operator = operator_id(_field(fields, layout["mcc"]), _field(fields, layout["mnc"]))
    if operator:
        ctx["operator"] = operator
    band = _field(fields, layout["band"])
    if band:
        prefix = "n" if record.nr else "B"
        ctx["band"] = (band if band[0].isalpha() else f"{prefix}{band}")[: contract.MAX_CTX_VALUE_CHARS]
    cell_id = ctx_value(_field(fields, layout.get("cell_id")))
    if cell_id:
        ctx["cell_id"] = cell_id
    return Reading(kpis, ctx)


def parse_servingcell(text: str, module: Module | None = None, *, nr_sinr: bool = True) -> Reading:
    """Parse the response to AT+QENG="servingcell" for `module` (None: not identified, so no SINR).
    `nr_sinr=False`: NR <SINR> is not read (the port's firmware was seen printing another scale)."""
    family = module.family if module else UNKNOWN
    state, records = _records(text)
    nr: Reading | None = None
    lte: Reading | None = None
    for record in records:
        if record.nr:
            nr = _leg(record, family.nr_sinr_db(record.sinr) if nr_sinr else None)
        else:
            lte = _leg(record, family.lte_sinr_db(record.sinr))
    sa = any(record.kind == "NR5G-SA" for record in records)
    reading = serving_reading(nr, lte, "NR5G-SA" if sa else "NR5G-NSA")
    if state in SERVICE_STATES:
        reading.ctx["service"] = SERVICE_STATES[state]
    return reading


class QuectelSource(IdentifiedAtSource):
    name = "modem_quectel"
    COMMAND = b'AT+QENG="servingcell"\r'

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        # Like the module, a fact about the module behind the open port: re-enumeration may put another one there.
        self.nr_sinr_trusted = True

    def identify_module(self) -> Module:
        module = parse_ati(self.query(b"ATI\r"))
        if module.revision is None:
            lines = [line for line in self.query(b"AT+GMR\r").splitlines() if line not in ("OK", "AT+GMR")]
            module = Module(module.model, lines[0].strip() if lines else None)
        family = module.family
        log.info("modem_quectel: %s %s, family %s (%s)", module.model, module.revision, family.name, family.manual)
        if family.lte_sinr_scale is None:
            log.warning("modem_quectel: no SINR for %s: its manual's <SINR> unit is not known here", module.model)
        return module

    def parse(self, text: str) -> Reading:
        if self.nr_sinr_trusted and nr_sinr_off_scale(text, self.module):
            self.nr_sinr_trusted = False
            log.warning("modem_quectel: NR <SINR> outside the manual's dB range: not read until the port reopens")
        return parse_servingcell(text, self.module, nr_sinr=self.nr_sinr_trusted)

    def close(self) -> None:
        self.nr_sinr_trusted = True
        super().close()
