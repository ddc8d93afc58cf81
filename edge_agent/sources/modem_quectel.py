"""Quectel RM5xxQ / RG50xQ serving cell over the AT port: `AT+QENG="servingcell"` (pyserial).

Formats (Quectel AT manual; docs/telemetry.md lists them):
- SA: `+QENG: "servingcell",<state>,"NR5G-SA",<duplex>,<MCC>,<MNC>,<cellID>,<PCID>,<TAC>,<ARFCN>,<band>,
  <NR_DL_bandwidth>,<RSRP>,<RSRQ>,<SINR>,<scs>,<srxlev>...`
- LTE only: `+QENG: "servingcell",<state>,"LTE",<is_tdd>,<MCC>,<MNC>,<cellID>,<PCID>,<earfcn>,<band>,
  <UL_bw>,<DL_bw>,<TAC>,<RSRP>,<RSRQ>,<RSSI>,<SINR>,<CQI>,<tx_power>,<srxlev>`
- EN-DC/NSA, three lines: `+QENG: "servingcell",<state>`, then `+QENG: "LTE",...` (fields as above) and
  `+QENG: "NR5G-NSA",<MCC>,<MNC>,<PCID>,<RSRP>,<SINR>,<RSRQ>,<ARFCN>,<band>,<NR_DL_bandwidth>,<scs>` - SINR
  comes BEFORE RSRQ on this line.
Firmware versions append or drop trailing fields, so fields are taken by position from the front and extra
ones are ignored. "-" and -32768 mark invalid values; values outside the contract's 3GPP ranges are rejected.
On NSA the NR leg's values win where valid (it carries the data), the LTE anchor's fill the gaps.
"""

from __future__ import annotations

import time
from typing import Any

from edge_agent.sources.base import Reading, checked, ctx_value

INVALID_MARKERS = {"-", "", "-32768", "32767"}

# Field positions after the leading record-type token, per record type.
_SA = {"mcc": 1, "mnc": 2, "cell_id": 3, "pci": 4, "arfcn": 6, "band": 7, "rsrp": 9, "rsrq": 10, "sinr": 11}
_LTE = {"mcc": 1, "mnc": 2, "cell_id": 3, "pci": 4, "arfcn": 5, "band": 6, "rsrp": 10, "rsrq": 11, "sinr": 13}
_NSA = {"mcc": 0, "mnc": 1, "pci": 2, "rsrp": 3, "sinr": 4, "rsrq": 5, "arfcn": 6, "band": 7}


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


def _leg(fields: list[str], layout: dict[str, int], band_prefix: str) -> Reading:
    """KPIs and context of one serving-cell record (fields start after the record-type token)."""
    kpis = checked(
        {
            "rsrp_dbm": _number(fields, layout["rsrp"]),
            "rsrq_db": _number(fields, layout["rsrq"]),
            "sinr_db": _number(fields, layout["sinr"]),
            "pci": _number(fields, layout["pci"]),
            "arfcn": _number(fields, layout["arfcn"]),
        }
    )
    ctx: dict[str, str] = {}
    mcc, mnc = _field(fields, layout["mcc"]), _field(fields, layout["mnc"])
    if mcc and mnc:
        ctx["operator"] = f"{mcc}-{mnc}"
    band = _field(fields, layout["band"])
    if band:
        ctx["band"] = band if band[0].isalpha() else f"{band_prefix}{band}"
    cell_id = ctx_value(_field(fields, layout.get("cell_id")))
    if cell_id:
        ctx["cell_id"] = cell_id
    return Reading(kpis, ctx)


def parse_servingcell(text: str) -> Reading:
    """Parse the response to AT+QENG="servingcell" (any of the three formats)."""
    nr: Reading | None = None
    lte: Reading | None = None
    rat: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("+QENG:"):
            continue
        fields = split_fields(line)
        if fields[0] == "servingcell":
            if len(fields) > 2 and fields[2] == "NR5G-SA":
                rat, nr = "NR5G-SA", _leg(fields[3:], _SA, "n")
            elif len(fields) > 2 and fields[2] == "LTE":
                rat, lte = "LTE", _leg(fields[3:], _LTE, "B")
            # otherwise the first line of the NSA triple (state only), or SEARCH/LIMSRV with no cell
        elif fields[0] == "LTE":
            lte = _leg(fields[1:], _LTE, "B")
            rat = rat or "LTE"
        elif fields[0] == "NR5G-NSA":
            nr = _leg(fields[1:], _NSA, "n")
            if nr.kpis:
                rat = "NR5G-NSA"
    reading = Reading()
    for leg in (nr, lte):  # NR first: its values win where valid
        if leg is None:
            continue
        for name, value in leg.kpis.items():
            reading.kpis.setdefault(name, value)
        for key, value in leg.ctx.items():
            reading.ctx.setdefault(key, value)
    if rat and (reading.kpis or rat != "NR5G-NSA"):
        reading.ctx["rat"] = rat
    return reading


class QuectelSource:
    name = "modem_quectel"
    COMMAND = b'AT+QENG="servingcell"\r'

    def __init__(self, config: dict[str, Any]) -> None:
        import serial  # lazily: pyserial only when this source is enabled

        self._serial_module = serial
        self.port_name = config["port"]
        self.baudrate = int(config["baudrate"])
        self.timeout = float(config["timeout_s"])
        self._port: Any = None

    def _open(self) -> Any:
        if self._port is None:
            self._port = self._serial_module.Serial(self.port_name, self.baudrate, timeout=0.2)
        return self._port

    def query(self) -> str:
        port = self._open()
        try:
            port.reset_input_buffer()  # unsolicited result codes from before are not our answer
            port.write(self.COMMAND)
            lines: list[str] = []
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                line = port.readline().decode("ascii", errors="replace").strip()
                if line:
                    lines.append(line)
                if line in ("OK", "ERROR") or line.startswith("+CME ERROR"):
                    break
            else:
                raise TimeoutError(f"{self.port_name}: no final result code within {self.timeout}s")
        except Exception:
            self.close()  # reopen next time: the modem may have re-enumerated
            raise
        if lines and lines[-1] != "OK":
            raise RuntimeError(f"{self.port_name}: {lines[-1]}")
        return "\n".join(lines)

    def read(self) -> Reading:
        return parse_servingcell(self.query())

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            finally:
                self._port = None
