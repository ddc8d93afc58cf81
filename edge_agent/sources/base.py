"""What every source provides: `read()` -> Reading (KPI values and radio context), one call per tick.

A source that raises is logged and skipped for that tick (agent.py); it never stops the agent or the others.
Sources import their third-party library (psutil, pyserial, pymodbus) when they are built, so a gateway
that does not enable one does not pay its memory.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from i5g import contract

log = logging.getLogger(__name__)


@dataclass
class Reading:
    kpis: dict[str, float] = field(default_factory=dict)
    ctx: dict[str, str] = field(default_factory=dict)

    def merge(self, other: Reading) -> None:
        self.kpis.update(other.kpis)
        self.ctx.update(other.ctx)


class Source(Protocol):
    name: str

    def read(self) -> Reading: ...

    def close(self) -> None: ...


def in_range(name: str, value: float | None) -> float | None:
    """The value if it is a finite number inside the contract's range for that KPI, else None.

    This is where out-of-3GPP-range radio values (and any other impossible reading) are rejected: the
    collector would dead-letter the whole sample otherwise.
    """
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    kpi = contract.KPIS[name]
    if not kpi.minimum <= value <= kpi.maximum:
        log.debug("rejected %s=%s outside %s..%s", name, value, kpi.minimum, kpi.maximum)
        return None
    # Three decimals is below every sensor's resolution and keeps payloads and the spool small.
    return int(value) if kpi.integer else round(float(value), 3)


def checked(values: dict[str, float | None]) -> dict[str, float]:
    """Only the KPIs whose values pass `in_range`."""
    result: dict[str, float] = {}
    for name, value in values.items():
        accepted = in_range(name, value)
        if accepted is not None:
            result[name] = accepted
    return result


def ctx_value(value: Any) -> str | None:
    """A radio-context string as the contract allows it (non-empty, at most MAX_CTX_VALUE_CHARS)."""
    if value is None:
        return None
    text = str(value).strip().strip('"')
    if not text or text == "-":
        return None
    return text[: contract.MAX_CTX_VALUE_CHARS]
