"""Fibocom serving cell over the AT port: `AT+GTCCINFO?` (FM350-GL; FM150 / FM160 share the +GT command set).

No Fibocom AT manual could be read for this source (docs/telemetry.md "Fibocom and Huawei-derived modules"
lists what was searched), so each field is read only as far as independent public sources agree on it:

- Layout of a serving-cell line (first field 1; neighbour lines start with 2 and are ignored):
  `1,<rat>,<mcc>,<mnc>,<tac>,<cell_id>,<arfcn>,<pci>,<band>,<bandwidth>,<x>,<rxlev>,<rsrp>,<rsrq>`,
  rat 4 = LTE, 9 = NR; band 1xx = LTE band xx, 50xx = NR band xx. Read the same way by QModem
  (FUjr/QModem application/qmodem/files/usr/share/qmodem/vendor/fibocom.sh, `cell_info`), luci-app-3ginfo-lite
  (4IceG, luci-app-3ginfo-lite/root/usr/share/3ginfo-lite/modem/usb/0e8d7127, FM350-GL) and Fibocom Connect
  (prusa-dev/fibocom-connect-fm350 scripts/main.ps1 + modules/converters.psm1); the last two share an author,
  QModem is independent of them.
- `<rsrp>` / `<rsrq>` are the 3GPP measurement-report indexes: LTE RSRP_nn = nn - 141 dBm and
  RSRQ_nn = nn/2 - 20 dB (3GPP TS 36.133 §9.1.4, §9.1.7), NR SS-RSRP_nn = nn - 157 dBm and
  SS-RSRQ_nn = nn/2 - 43.5 dB (TS 38.133 §10.1.6, §10.1.11); the lower edge of each 1 dB / 0.5 dB step is
  reported. All three implementations above use exactly these, and on every capture in the tests the
  RSRP agrees with the dBm figure `AT+GTCAINFO?` printed for the same carrier at the same moment (within the
  index step, except one NR reading 3 dB apart). 255 is "not known".
- `<x>` (the field before `<rxlev>`) is SINR to all three, but they scale it differently (QModem x/2 - 23.5
  on LTE and NR; luci-app-3ginfo-lite x/2 on LTE, x/2 - 23.5 on NR; Fibocom Connect x/2 on LTE): its unit is
  not established, so no SINR is reported for Fibocom modules.

EN-DC: NR-labelled KPIs come only from the NR serving line (`rat` NR5G-NSA when an LTE serving line is
there too, NR5G-SA when alone); the LTE anchor goes to `anchor_band` / `anchor_cell_id`. With no valid NR
measurement the LTE line is reported, labelled LTE. No serving line at all: `ctx.service` = none.
"""

from __future__ import annotations

from edge_agent.sources.base import AtSignalSource, Reading, checked, ctx_value, serving_reading

NOT_KNOWN = "255"
INVALID_IDS = {"FFFF", "FFFFFFF", "00FFFFFFF", "FFFFFFFF"}
RATS = {"4": "LTE", "9": "NR"}
# value = index + RSRP offset (dBm), index / 2 + RSRQ offset (dB); indexes above the maximum are not valid
_RSRP_OFFSET = {"LTE": -141.0, "NR": -157.0}
_RSRQ_OFFSET = {"LTE": -20.0, "NR": -43.5}
_RSRP_MAX_INDEX = {"LTE": 97, "NR": 127}
_RSRQ_MAX_INDEX = {"LTE": 34, "NR": 127}


def _index(value: str, maximum: int) -> int | None:
    if not value.isdigit() or len(value) > 3:  # an index is 0..127 (255: not known)
        return None
    index = int(value)
    return index if 0 <= index <= maximum and value != NOT_KNOWN else None


def band_name(rat: str, code: str) -> str | None:
    """GTCCINFO band code -> B3 / n78 (LTE 1xx, NR 50xx); None when absent or not in that form."""
    if not code.isdigit() or len(code) > 5:  # 1xx / 50xxx at most; a longer "number" is not a band code
        return None
    if rat == "LTE" and len(code) == 3 and code.startswith("1"):
        return f"B{int(code[1:])}"
    if rat == "NR" and len(code) >= 3 and code.startswith("50"):
        return f"n{int(code[2:])}"
    return None


def _serving(fields: list[str]) -> tuple[str, Reading] | None:
    """One serving-cell line (already split) -> (rat, reading); None if it is not one we can read."""
    if len(fields) < 14 or fields[0] != "1" or fields[1] not in RATS:
        return None
    rat = RATS[fields[1]]
    rsrp = _index(fields[12], _RSRP_MAX_INDEX[rat])
    rsrq = _index(fields[13], _RSRQ_MAX_INDEX[rat])
    kpis = checked(
        {
            "rsrp_dbm": None if rsrp is None else rsrp + _RSRP_OFFSET[rat],
            "rsrq_db": None if rsrq is None else rsrq / 2 + _RSRQ_OFFSET[rat],
            "pci": float(fields[7]) if fields[7].isdigit() and len(fields[7]) <= 4 else None,
            "arfcn": float(fields[6]) if fields[6].isdigit() and len(fields[6]) <= 7 else None,
        }
    )
    ctx: dict[str, str] = {}
    if fields[2].isdigit() and fields[3].isdigit() and len(fields[2]) <= 3 and len(fields[3]) <= 3:  # 3GPP MCC/MNC
        ctx["operator"] = f"{fields[2]}-{fields[3]}"
    band = band_name(rat, fields[8])
    if band:
        ctx["band"] = band
    cell_id = None if fields[5].upper() in INVALID_IDS else ctx_value(fields[5])
    if cell_id:
        ctx["cell_id"] = cell_id
    return rat, Reading(kpis, ctx)


def parse_gtccinfo(text: str) -> Reading:
    legs: dict[str, Reading] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("+GTCCINFO:"):
            line = line.partition(":")[2].strip()
        parsed = _serving([field.strip() for field in line.split(",")]) if line[:2] == "1," else None
        if parsed is not None and parsed[0] not in legs:
            legs[parsed[0]] = parsed[1]
    nr, lte = legs.get("NR"), legs.get("LTE")
    if nr is None and lte is None:
        return Reading(ctx={"service": "none"})
    return serving_reading(nr, lte, "NR5G-NSA" if lte is not None else "NR5G-SA")


class FibocomSource(AtSignalSource):
    name = "modem_fibocom"
    COMMAND = b"AT+GTCCINFO?\r"

    def parse(self, text: str) -> Reading:
        return parse_gtccinfo(text)
