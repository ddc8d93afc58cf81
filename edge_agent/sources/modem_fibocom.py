"""Fibocom serving cell over the AT port: `AT+GTCCINFO?`, read per identified module (`AT+CGMM`).

No Fibocom AT manual could be read for this source: the FM350 manual V2.10 that one repository keeps is a Git
LFS pointer in the stored snapshot, and the FM150 / FM350 / FM160 / FM190 manuals users attached to issues
are stored only as their title pages (docs/telemetry.md "Fibocom and Huawei-derived modules" lists what was
searched and what each secondary source says). So each field is read only as far as public captures and
independent implementations establish it:

- Layout of a serving-cell line (first field 1; neighbour lines start with 2, label lines such as
  `LTE service cell:` that Qualcomm-based modules print start with a letter, both are ignored):
  `1,<rat>,<mcc>,<mnc>,<tac>,<cell_id>,<arfcn>,<pci>,<band>,<bandwidth>,<x>,<rxlev>,<rsrp>,<rsrq>`,
  rat 4 = LTE, 9 = NR; band 1xx = LTE band xx, 50xx = NR band xx. Read the same way by QModem
  (FUjr/QModem application/qmodem/files/usr/share/qmodem/vendor/fibocom.sh, `cell_info`), luci-app-3ginfo-lite
  (modem/usb/0e8d7127), Fibocom Connect (prusa-dev/fibocom-connect-fm350), fm350-usb
  (sebastianspicker/fm350-usb fm350mac/src/fm350mac/cellinfo.py, which cites FM350 manual V2.10 §11.1.15)
  and fm160d (Beaverfffan/openwrt-fm160 fm160d/src/cmds.c, which cites FM160&FG160 manual V1.0.2 §9.1.15).
- `<rsrp>` / `<rsrq>` are the 3GPP measurement-report indexes: LTE RSRP_nn = nn - 141 dBm and
  RSRQ_nn = nn/2 - 20 dB (3GPP TS 36.133 §9.1.4, §9.1.7), NR SS-RSRP_nn = nn - 157 dBm and
  SS-RSRQ_nn = nn/2 - 43.5 dB (TS 38.133 §10.1.6, §10.1.11); the lower edge of each 1 dB / 0.5 dB step is
  reported, 255 is "not known". Checked on both chip platforms: on FM350-GL (MediaTek) against the dBm figure
  `AT+GTCAINFO?` printed for the same carrier at the same moment (four captures) and against `AT+CESQ` of the
  same moment (two captures, LTE and SA, at most one step apart), on FM160-CN (Qualcomm) against `AT+CESQ` of
  the same probing session (one capture, 1 dB apart). Reported for every module.
- `<arfcn>` / `<pci>` are printed in a radix that depends on the module, and a digits-only value reads in
  both, so they are reported only for a module whose radix is established:
  FM350 decimal (every captured ARFCN lies in the band its own line names: 1802 / 1424 / 1721 in B3, 176190
  in n5, 723322 in n79; `+GTCAINFO` prints the same ARFCN and PCI in decimal), FM160 hexadecimal (its capture
  prints `672,1E4` with band 103: 0x672 = 1650 is a B3 EARFCN, 672 is not; PCI `1E4` is 484). Any other
  module (FM150 and FM190 included: no capture found) and an unidentified one: no ARFCN, no PCI.
- `<x>`, the field before `<rxlev>`, is SINR (`<rssnr_value>` on LTE, `<ss_sinr>` on NR in the manuals'
  naming the secondary sources quote), but its scale is not established. Three independent readers of the
  FM350 manual V2.10 §11.1.15 (fm350-usb, francesco-stimola/fibocom-fm350-gl-windows-gui docs/AT-COMMANDS.md
  §6, yuu61/wwan-probe docs/modem-support.md) restate it alike: LTE -100..100 in 0.5 dB steps (x/2 dB), NR the
  3GPP SS-SINR index (x/2 - 23.5 dB); fm160d reads the FM160 manual the same way. No one quotes the wording,
  and the FM350 does not print NR that way: a capture with `AT+CESQ` of the same moment (SS-SINR index 77,
  15.0 dB) shows x = 16, the dB figure itself, where the index reading gives -15.5 dB. So the manual's NR scale
  is contradicted on the FM350, its LTE scale has nothing of the same moment to check it (+CESQ carries no LTE
  SINR), and other readers disagree (3ginfo-lite's FM150 script x/4 + 5, QModem at 2fd7105 x as printed on
  LTE and on MediaTek NR). No SINR is reported for Fibocom modules.

The module is identified once per opened port with `AT+CGMM` (3GPP TS 27.007 §5.2): FM160-CN answers a bare
`FM160-CN`, FM350-GL `+CGMM: "FM350-GL"` (captured as the answer to `AT+CGMM?`); both shapes are read (the
fixtures cite the captures), and a module that answers ERROR stays unidentified. EN-DC: NR-labelled KPIs
come only from the NR serving line (`rat` NR5G-NSA when an LTE serving line is there too, NR5G-SA when
alone); the LTE anchor goes to `anchor_band` / `anchor_cell_id`. With no valid NR measurement the LTE line is
reported, labelled LTE. No serving line at all: `ctx.service` = none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from edge_agent.sources.base import (
    IdentifiedAtSource,
    Reading,
    checked,
    ctx_value,
    modem_int,
    operator_id,
    serving_reading,
)

log = logging.getLogger(__name__)

NOT_KNOWN = "255"
INVALID_IDS = {"FFFF", "FFFFFFF", "00FFFFFFF", "FFFFFFFF"}
RATS = {"4": "LTE", "9": "NR"}
# value = index + RSRP offset (dBm), index / 2 + RSRQ offset (dB); indexes above the maximum are not valid
_RSRP_OFFSET = {"LTE": -141.0, "NR": -157.0}
_RSRQ_OFFSET = {"LTE": -20.0, "NR": -43.5}
_RSRP_MAX_INDEX = {"LTE": 97, "NR": 127}
_RSRQ_MAX_INDEX = {"LTE": 34, "NR": 127}
# Model name prefix (as AT+CGMM prints it) -> radix of <arfcn> / <pci> (module docstring: how each is known).
_RADIX_BY_MODEL = (("FM350", 10), ("FM160", 16))


@dataclass(frozen=True)
class Module:
    """The module behind the port, as AT+CGMM names it."""

    model: str | None

    @property
    def radix(self) -> int | None:
        """The radix <arfcn> and <pci> are printed in, None where no capture establishes it."""
        model = (self.model or "").upper()
        return next((radix for prefix, radix in _RADIX_BY_MODEL if model.startswith(prefix)), None)


UNIDENTIFIED = Module(None)


def parse_cgmm(text: str) -> Module:
    """`AT+CGMM` -> the model: a bare `FM160-CN` or `+CGMM: "FM350-GL"` (echo, blank lines and OK ignored)."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "OK" or line.upper().startswith("AT"):
            continue
        if line.upper().startswith("+CGMM:"):
            line = line.partition(":")[2]
        return Module(ctx_value(line))
    return UNIDENTIFIED


def _index(value: str, maximum: int) -> int | None:
    index = modem_int(value, 3)  # an index is 0..127 (255: not known)
    return index if index is not None and index <= maximum and value != NOT_KNOWN else None


def _number(value: str, radix: int | None, max_chars: int) -> float | None:
    """A channel number or PCI in the module's radix; None when that radix is not known or it is not one."""
    number = None if radix is None else modem_int(value, max_chars, radix)
    return None if number is None else float(number)


def band_name(rat: str, code: str) -> str | None:
    """GTCCINFO band code -> B3 / n78 (LTE 1xx, NR 50xx); None when absent or not in that form."""
    if modem_int(code, 5) is None:  # 1xx / 50xxx at most; a longer "number" is not a band code
        return None
    if rat == "LTE" and len(code) == 3 and code.startswith("1"):
        return f"B{int(code[1:])}"
    if rat == "NR" and len(code) >= 3 and code.startswith("50"):
        return f"n{int(code[2:])}"
    return None


def _serving(fields: list[str], radix: int | None) -> tuple[str, Reading] | None:
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
            "pci": _number(fields[7], radix, 4),  # 0..1007 (3 hex digits, 4 decimal)
            "arfcn": _number(fields[6], radix, 7),  # 0..3279165 (6 hex digits, 7 decimal)
        }
    )
    ctx: dict[str, str] = {}
    operator = operator_id(fields[2], fields[3])
    if operator:
        ctx["operator"] = operator
    band = band_name(rat, fields[8])
    if band:
        ctx["band"] = band
    cell_id = None if fields[5].upper() in INVALID_IDS else ctx_value(fields[5])
    if cell_id:
        ctx["cell_id"] = cell_id  # as printed (hexadecimal on every captured module)
    return rat, Reading(kpis, ctx)


def parse_gtccinfo(text: str, module: Module = UNIDENTIFIED) -> Reading:
    legs: dict[str, Reading] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("+GTCCINFO:"):
            line = line.partition(":")[2].strip()
        parsed = _serving([field.strip() for field in line.split(",")], module.radix) if line[:2] == "1," else None
        if parsed is not None and parsed[0] not in legs:
            legs[parsed[0]] = parsed[1]
    nr, lte = legs.get("NR"), legs.get("LTE")
    if nr is None and lte is None:
        return Reading(ctx={"service": "none"})
    return serving_reading(nr, lte, "NR5G-NSA" if lte is not None else "NR5G-SA")


class FibocomSource(IdentifiedAtSource):
    name = "modem_fibocom"
    COMMAND = b"AT+GTCCINFO?\r"
    IDENTIFY = b"AT+CGMM\r"

    def identify_module(self) -> Module:
        try:
            module = parse_cgmm(self.query(self.IDENTIFY))
        except RuntimeError:  # the modem answered ERROR: unidentified (a timeout propagates: retried)
            module = UNIDENTIFIED
        log.info("modem_fibocom: model %s", module.model)
        if module.radix is None:
            log.warning("modem_fibocom: no ARFCN / PCI for %s: their radix is not established", module.model)
        return module

    def parse(self, text: str) -> Reading:
        return parse_gtccinfo(text, self.module or UNIDENTIFIED)
