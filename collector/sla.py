"""Check one sample's KPIs against its scenario's requirement profile (i5g.scenarios)."""

from __future__ import annotations

from functools import lru_cache

from i5g import scenarios
from i5g.contract import FIELD_SLA_OK, FIELD_SLA_VIOLATIONS, sla_flag_field


@lru_cache(maxsize=256)
def _bounds(scenario_key: str) -> tuple[scenarios.Requirement, ...] | None:
    try:
        return scenarios.bounds_for(scenario_key)
    except KeyError:
        return None


def sla_fields(scenario_key: str | None, kpis: dict[str, float | int]) -> dict[str, bool | int]:
    """`sla_ok`, `sla_violations` and `<kpi>_ok` for each bounded KPI the sample carries.

    Empty when the scenario is not in the taxonomy: nothing can be said about the sample then, and writing
    sla_ok=true would claim compliance that was never checked. A KPI with several bounds (a min and a max)
    is ok only when all of them hold; each violated bound counts once in sla_violations.
    """
    bounds = _bounds(scenario_key) if scenario_key else None
    if bounds is None:
        return {}
    flags: dict[str, bool | int] = {}
    violations = 0
    for requirement in bounds:
        value = kpis.get(requirement.kpi)  # type: ignore[arg-type]  # bounds() only returns kpi != None
        if value is None:
            continue
        violated = requirement.violated_by(value)
        violations += violated
        flag = sla_flag_field(requirement.kpi)  # type: ignore[arg-type]
        flags[flag] = flags.get(flag, True) and not violated
    flags[FIELD_SLA_OK] = violations == 0
    flags[FIELD_SLA_VIOLATIONS] = violations
    return flags
