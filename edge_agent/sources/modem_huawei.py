"""Huawei-derived modules (HiSilicon LTE modules, MH5000) over the AT port: `AT^HCSQ?`.

`^HCSQ: <sysmode>[,<value1>[,<value2>[,<value3>[,<value4>]]]]`, sysmode "NOSERVICE", "GSM", "WCDMA", "LTE"
(and "NR" on 5G modules). No Huawei AT manual could be read for this source (docs/telemetry.md "Fibocom and
Huawei-derived modules"); the secondary source is ModemManager's Huawei plugin, which parses ^HCSQ
(`mm_huawei_parse_hcsq_response`, src/plugins/huawei/mm-modem-helpers-huawei.c) and converts the LTE values
(`huawei_hcsq_changed` with get_rsrp_dbm / get_sinr_db / get_rsrq_db, src/plugins/huawei/
mm-broadband-modem-huawei.c, linux-mobile-broadband/ModemManager at 9a2d586):
- LTE: value2 RSRP = -141 + v dBm (v 0..97), value3 SINR = -20.2 + v/5 dB (v 0..251), value4
  RSRQ = -20 + v/2 dB (v 0..34). RSRP and RSRQ are the 3GPP TS 36.133 §9.1.4 / §9.1.7 report mappings;
  values outside those index ranges are "not known" and dropped.
- NR (MH5000 and other 5G modules): neither ModemManager nor any other source found states the scaling of
  the NR values, so only `rat` = NR5G is reported, no KPI. `AT^MONSC` (5G modules) is read by one
  implementation only (QModem vendor/huawei.sh, values as printed), with no manual and no capture to test it.
- NOSERVICE: `ctx.service` = none. GSM / WCDMA: `rat` only (no KPI of the contract applies).
"""

from __future__ import annotations

from edge_agent.sources.base import AtSignalSource, Reading, checked

RATS = {"GSM": "GSM", "WCDMA": "UMTS", "LTE": "LTE", "NR": "NR5G"}


def _value(values: list[str], index: int, maximum: int) -> int | None:
    if index >= len(values) or not values[index].isdigit() or len(values[index]) > 3:  # indexes are 0..255
        return None
    number = int(values[index])
    return number if number <= maximum else None


def parse_hcsq(text: str) -> Reading:
    for raw in text.splitlines():
        line = raw.strip()
        if not line.upper().startswith("^HCSQ:"):
            continue
        fields = [field.strip().strip('"') for field in line.partition(":")[2].split(",")]
        sysmode = fields[0].upper()
        if sysmode == "NOSERVICE":
            return Reading(ctx={"service": "none"})
        if sysmode not in RATS:
            continue
        reading = Reading(ctx={"rat": RATS[sysmode]})
        if sysmode == "LTE":
            values = fields[1:]
            rsrp, sinr, rsrq = _value(values, 1, 97), _value(values, 2, 251), _value(values, 3, 34)
            reading.kpis = checked(
                {
                    "rsrp_dbm": None if rsrp is None else -141.0 + rsrp,
                    "sinr_db": None if sinr is None else -20.2 + sinr / 5,
                    "rsrq_db": None if rsrq is None else -20.0 + rsrq / 2,
                }
            )
        return reading
    return Reading()


class HuaweiSource(AtSignalSource):
    name = "modem_huawei"
    COMMAND = b"AT^HCSQ?\r"

    def parse(self, text: str) -> Reading:
        return parse_hcsq(text)
