"""Huawei-derived modules (HiSilicon Balong: ME909s / ME906s LTE, MH5000 and TD Tech MT5700M 5G) over the AT
port: `AT^HCSQ?` for the signal, `AT^MONSC` for the serving cell (and where ^HCSQ lacks a value).

Sources (docs/telemetry.md "Fibocom and Huawei-derived modules" has the full list):
- [ME909s] HUAWEI ME909s Series LTE Module AT Command Interface Specification (V100R001, issue 03,
  2019-03-13), "AT^HCSQ-Query and Report Signal Strength" and "AT^MONSC-Query Serving Cell Information
  Through Network Monitor". The PDF itself could not be read here; its parameter text is quoted from the
  transcription in kaisen768/mobile src/ATChannel/ME909s/me909s_command_signal.h and me909s_command_monsc.h
  (commit 05fa8b3).
- [Balong] Huawei's GPL release of the Kirin 990 5G modem AT layer (Balong 5000, the chipset of MH5000 and
  MT5700M), Impalabs/resources ELS-AN00_02_HM_opensource/drivers/hisi/modem/tafnew/common/at/ (commit
  87d16c9): the command tables carry Huawei's AT specification text ([参数] blocks) and the result code is
  the firmware that prints it. Files: custom/src/at_custom_mm_rslt_proc.c (AT_FormatHcsqResult,
  AT_SinrConvert), general/src/at_general_mm_rslt_proc.c (AT_ConvertCerssiRsrp / AT_ConvertCerssiRsrq),
  general/src/at_general_mm_cmd_tbl.c (^CERSSI), custom/src/at_custom_as_cmd_tbl.c (^MONSC),
  custom/src/at_custom_as_rslt_proc.c (AT_NetMonFmtNrSCellData / AT_NetMonFmtEutranSCellData). ^HCSQ is in
  its FEATURE_MBB_CUST code (Huawei's mobile-broadband products, the module line).
- Captures: TD Tech MT5700M-CN (Balong 5000) answers published by woshinibabao1/MT5700-Console and
  LianXia233/luci-app-mt5700 (fixture headers): NR SA against the same moment's ^NRSSBID / ^MONSC, LTE (locked)
  against ^MONSC, and an EN-DC moment's ^MONSC. No public two-line (EN-DC) ^HCSQ? capture and no MH5000 capture
  was found: that path follows [Balong] alone.

`^HCSQ: <sysmode>[,<value1>...]`. In EN-DC the firmware prints the master node's line and then, only when
`mrdcFlag` is set, the secondary node's (AT_FormatHcsqQryResult): `"LTE",...` then `"NR",...`.
- LTE `<lte_rssi>,<lte_rsrp>,<lte_sinr>,<lte_rsrq>` [ME909s]: rsrp "0 rsrp < -140 dBm, 1 -140 dBm <= rsrp <
  -139 dBm ... 97 -44 dBm <= rsrp"; sinr "0 sinr < -20 dB, 1 -20 dB <= sinr < -19.8 dB ... 251 30 dB <=
  sinr"; rsrq "0 rsrq < -19.5 dB, 1 -19.5 dB <= rsrq < -19 dB ... 34 -3 dB <= rsrq"; "255 unknown or
  undetectable". Reported as the lower edge of each step: -141 + v dBm, -20.2 + v/5 dB, -20 + v/2 dB (index 0
  included: one step below the first edge, as ModemManager's huawei plugin converts it).
- NR `<5g_rsrp>,<5g_sinr>,<5g_rsrq>` [Balong, AT_Format5GHcsqResult]: rsrp = AT_ConvertCerssiRsrp (index =
  dBm + 141, 0..97, the LTE table), sinr = AT_SinrConvert ("(realSinr - (-20)) * 5 + 1", 0..251, the LTE
  table), rsrq = AT_ConvertCerssiRsrq: "0 sCerssiRsrq < -39dB, 1 -39dB <= sCerssiRsrq < -38dB ... 34 -6 dB <=
  sCerssiRsrq", i.e. -40 + v dB in 1 dB steps (the ^CERSSI table gives <5GRSRQ> "范围：(-40, -6)"). So NR RSRQ
  is NOT the LTE half-dB table: on the MT5700M captures in the tests (two projects), index 31 is -9 dB and the
  ^MONSC read with it printed -9, -10 and -9, where the LTE reading would say -4.5. Index 0 is dropped on NR:
  the NR ranges reach far below the clamp (RSRP to -156 dBm), so "below the first edge" is no value.
- GSM / WCDMA: `rat` only. NOSERVICE: `ctx.service` = none.

`^MONSC: <RAT>,<cell_paras>` [Balong ^MONSC table; ME909s for LTE]; values are printed in their units:
- NR: `<MCC>,<MNC>,<ARFCN-NR>,<SCS>,<Cell_ID>,<PCI>,<TAC>,<RSRP>,<RSRQ>,<SINR>`; "<PCI>: 物理小区ID，十六进制" (hex),
  "<RSRP>: ... 取值范围：-156~-31，无效值：-1256(-157*8)，单位：dBm", "<RSRQ>: ... -43~20，无效值：-348 ...，单位：dB",
  "<SINR>: ... -23~40，无效值：-188(-23.5*8)，单位：dBm". "dBm" for SINR is a copy-paste slip in that table (its
  text is RXLEV's "Receiving signal strength in dbm"): the range is TS 38.133's SS-SINR range in dB, and on
  the capture in the tests ^NRSSBID printed the same SINR at the same moment. Read as dB.
- LTE: `<MCC>,<MNC>,<ARFCN>,<Cell_ID>,<PCI>,<TAC>,<RSRP>,<RSRQ>,<RSSI>`, "<RSRP> Reference Signal Received Power
  in dBm", "<RSRQ> Reference Signal Received Quality in dB" [ME909s; the same in Balong]. No SINR there. Its
  <PCI> is "a decimal number" in ME909s but "十六进制" (hex) in Balong, so the LTE PCI is not reported.
- Empty fields ("暂时未获取到的参数留空") and the invalid markers give no value. In EN-DC ^MONSC reports the LTE
  PCell only (the NR cells are ^MONSSC's; an EN-DC capture in the tests shows it), so it never feeds the NR
  leg; a RAT that ^HCSQ did not report in the same tick is ignored (the modem moved between the two commands).

EN-DC: NR-labelled KPIs come only from the `"NR"` ^HCSQ line; the LTE line is the anchor (base.serving_reading).
"""

from __future__ import annotations

from typing import Any

from edge_agent.sources.base import AtSignalSource, Reading, checked, ctx_value, modem_int, operator_id, serving_reading

NOT_KNOWN = 255
OTHER_RATS = {"GSM": "GSM", "WCDMA": "UMTS"}


def _int(value: str, digits: int = 4) -> int | None:
    return modem_int(value, digits, signed=True)


def _hex(value: str, digits: int) -> int | None:
    return modem_int(value, digits, radix=16)


def _index(values: list[str], position: int, lowest: int, highest: int) -> int | None:
    """The ^HCSQ index at `position` if it lies in lowest..highest (255, "not known", never does)."""
    number = _int(values[position], 3) if position < len(values) else None
    return number if number is not None and lowest <= number <= highest and number != NOT_KNOWN else None


def _scaled(index: int | None, step: float, offset: float) -> float | None:
    return None if index is None else index * step + offset


# sysmode -> (position after the sysmode, lowest valid index, highest, KPI, dB per step, value of index 0) per
# value (module docstring: LTE from the ME909s tables, NR from the Balong firmware). On NR index 0 is below the
# clamp, not a value, hence its lowest valid index 1; NR RSRQ has 1 dB steps, not the LTE table's 0.5 dB.
_HCSQ_SCALES: dict[str, tuple[tuple[int, int, int, str, float, float], ...]] = {
    "LTE": ((1, 0, 97, "rsrp_dbm", 1, -141), (2, 0, 251, "sinr_db", 0.2, -20.2), (3, 0, 34, "rsrq_db", 0.5, -20)),
    "NR": ((0, 1, 97, "rsrp_dbm", 1, -141), (1, 1, 251, "sinr_db", 0.2, -20.2), (2, 1, 34, "rsrq_db", 1, -40)),
}


def _hcsq_leg(sysmode: str, values: list[str]) -> Reading:
    """`^HCSQ: "LTE",<rssi>,<rsrp>,<sinr>,<rsrq>` or `^HCSQ: "NR",<rsrp>,<sinr>,<rsrq>` (values after the sysmode)."""
    scaled = {
        kpi: _scaled(_index(values, position, lowest, highest), step, offset)
        for position, lowest, highest, kpi, step, offset in _HCSQ_SCALES[sysmode]
    }
    return Reading(checked(scaled))


def _fields(line: str) -> list[str]:
    return [field.strip().strip('"') for field in line.partition(":")[2].split(",")]


def hcsq_legs(text: str) -> dict[str, Reading]:
    """Each `^HCSQ:` line by sysmode ("LTE", "NR", "GSM", "WCDMA", "NOSERVICE"); the first line of a sysmode wins."""
    legs: dict[str, Reading] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line.upper().startswith("^HCSQ:"):
            continue
        fields = _fields(line)
        sysmode = fields[0].upper()
        if sysmode in ("LTE", "NR"):
            legs.setdefault(sysmode, _hcsq_leg(sysmode, fields[1:]))
        elif sysmode in OTHER_RATS or sysmode == "NOSERVICE":
            legs.setdefault(sysmode, Reading())
    return legs


def _cell_ctx(mcc: str, mnc: str, cell_id: str) -> dict[str, str]:
    ctx: dict[str, str] = {}
    operator = operator_id(mcc, mnc)
    if operator:
        ctx["operator"] = operator
    cell = ctx_value(cell_id.upper()) if _hex(cell_id, 16) is not None else None
    if cell:
        ctx["cell_id"] = cell
    return ctx


def monsc_legs(text: str) -> dict[str, Reading]:
    """`^MONSC:` -> {"NR" or "LTE": reading}; any other RAT, NONE or a short line gives nothing."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line.upper().startswith("^MONSC:"):
            continue
        fields = _fields(line)
        rat = fields[0].upper()
        if rat == "NR" and len(fields) >= 11:  # NR,MCC,MNC,ARFCN,SCS,Cell_ID,PCI(hex),TAC,RSRP,RSRQ,SINR
            arfcn, pci = _int(fields[3], 7), _hex(fields[6], 3)
            values = {"rsrp_dbm": _int(fields[8]), "rsrq_db": _int(fields[9]), "sinr_db": _int(fields[10])}
            kpis = checked({**values, "pci": pci, "arfcn": arfcn})
            return {"NR": Reading(kpis, _cell_ctx(fields[1], fields[2], fields[5]))}
        if rat == "LTE" and len(fields) >= 10:  # LTE,MCC,MNC,ARFCN,Cell_ID,PCI,TAC,RSRP,RSRQ,RSSI
            values = {"rsrp_dbm": _int(fields[7]), "rsrq_db": _int(fields[8]), "arfcn": _int(fields[3], 6)}
            return {"LTE": Reading(checked(values), _cell_ctx(fields[1], fields[2], fields[4]))}
        return {}
    return {}


def _filled(leg: Reading, cell: Reading | None) -> Reading:
    """`leg` (^HCSQ) with what only ^MONSC has: cell identity, and a KPI ^HCSQ did not report."""
    if cell is None:
        return leg
    return Reading({**cell.kpis, **leg.kpis}, {**cell.ctx, **leg.ctx})


def parse_signal(hcsq_text: str, monsc_text: str = "") -> Reading:
    """The reading of one tick's `AT^HCSQ?` answer and (when the module gave one) its `AT^MONSC` answer."""
    legs = hcsq_legs(hcsq_text)
    cells = monsc_legs(monsc_text)
    nr, lte = legs.get("NR"), legs.get("LTE")
    if nr is not None or lte is not None:
        nr = None if nr is None else _filled(nr, cells.get("NR"))
        lte = None if lte is None else _filled(lte, cells.get("LTE"))
        nr_rat = "NR5G-NSA" if lte is not None else "NR5G-SA"  # an "NR" line beside an "LTE" one: EN-DC
        reading = serving_reading(nr, lte, nr_rat)
        if not reading.ctx:  # the line was there but every value "not known": still say which RAT
            reading.ctx["rat"] = "LTE" if nr is None else nr_rat
        return reading
    for sysmode, rat in OTHER_RATS.items():
        if sysmode in legs:
            return Reading(ctx={"rat": rat})
    if "NOSERVICE" in legs:
        return Reading(ctx={"service": "none"})
    return Reading()


def parse_hcsq(text: str) -> Reading:
    return parse_signal(text)


class HuaweiSource(AtSignalSource):
    name = "modem_huawei"
    COMMAND = b"AT^HCSQ?\r"
    CELL_COMMAND = b"AT^MONSC\r"

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._cell_text = ""

    def read(self) -> Reading:
        try:
            self._cell_text = self.query(self.CELL_COMMAND)
        except RuntimeError:  # ERROR: no service, or a module without ^MONSC; ^HCSQ still reads
            self._cell_text = ""
        return super().read()

    def parse(self, text: str) -> Reading:
        return parse_signal(text, self._cell_text)
