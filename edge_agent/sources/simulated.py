"""Simulated KPI streams per scenario (i5g/scenarios.py), for the demo and for load tests.

Normal operation stays inside the scenario's bounds with realistic noise (a random walk around a working
point). With probability `degradation_rate` per reading a degradation episode starts and lasts a few
readings: latency and jitter exceed the scenario's maximum, loss rises above it, uplink falls under its
minimum, the radio gets worse, and the scenario's own KPIs suffer. The same seed gives the same stream.
"""

from __future__ import annotations

import random
import zlib
from typing import Any, Literal

from edge_agent.sources.base import Reading, checked
from i5g.scenarios import SCENARIOS, Requirement, bounds_for

# How each scenario KPI moves: (relative noise, factor applied while degraded). Which KPIs a scenario reports, and
# around which working point, comes from its profile (i5g/scenarios.py `Scenario.kpis`).
_KPI_DYNAMICS: dict[str, tuple[float, float]] = {
    "agv_pos_err_cm": (0.2, 5.0),
    "agv_speed_mps": (0.1, 0.3),
    "vision_fps": (0.03, 0.4),
    "vision_infer_ms": (0.1, 4.0),
    "vision_defect_pct": (0.3, 1.0),
    "ctrl_loop_ms": (0.1, 5.0),
    "sensor_pps": (0.05, 0.3),
    "video_mbps": (0.08, 0.3),
    "twin_sync_ms": (0.1, 5.0),
}


def _scenario_kpis(scenario: str) -> tuple[tuple[str, float, float, float], ...]:
    """(kpi, working point, relative noise, degraded factor) for the scenario's own KPIs."""
    if scenario not in SCENARIOS:
        return ()
    return tuple((k.kpi, k.typical, *_KPI_DYNAMICS[k.kpi]) for k in SCENARIOS[scenario].kpis)


def stable_seed(seed: int, gateway_id: str) -> int:
    """Per-gateway seed that does not depend on PYTHONHASHSEED."""
    return seed * 1_000_003 + zlib.crc32(gateway_id.encode())


# Network KPIs every scenario reports: (kpi, working point when the scenario has no bound on it, noise).
_NETWORK_KPIS = (("rtt_ms", 20.0, 0.08), ("jitter_ms", 2.0, 0.2), ("loss_pct", 0.02, 0.3),
                 ("ul_mbps", 20.0, 0.05), ("dl_mbps", 20.0, 0.05))  # fmt: skip
# Where normal operation sits relative to a bound: well inside it, never across it.
_MAX_POINT, _MAX_CEILING = 0.4, 0.9  # "max" bounds: around 40 % of the bound, clamped at 90 %
_MIN_POINT, _MIN_FLOOR = 2.5, 1.1  # "min" bounds: around 2.5x the bound, clamped at 110 %


# How a simulated gateway behaves (the demo fleet shows every verdict of the deployment evidence):
# behaviour -> (degradation rate per reading, or None for the configured one; episode length in readings).
# "silent" gateways take no readings at all (edge_agent/simulate.py): connected, online, no data.
BEHAVIOURS: dict[str, tuple[float | None, tuple[int, int]]] = {
    "default": (None, (3, 10)),
    "steady": (0.0, (3, 10)),  # inside every bound, always
    "brief_breaches": (1 / 120, (1, 1)),  # a single out-of-bound reading every two minutes or so
    "sustained_breach": (1 / 60, (60, 240)),  # out of bounds for minutes at a time, most of the time
    "silent": (0.0, (3, 10)),
}
Behaviour = Literal["default", "steady", "brief_breaches", "sustained_breach", "silent"]


class ScenarioStream:
    def __init__(
        self, scenario: str, seed: int, degradation_rate: float = 0.01, episode: tuple[int, int] = (3, 10)
    ) -> None:
        self.scenario = scenario
        self.bounds: dict[str, Requirement] = {r.kpi: r for r in bounds_for(scenario) if r.kpi}
        self.own_kpis = _scenario_kpis(scenario)  # once: every reading walks them
        self.rng = random.Random(seed)
        self.degradation_rate = degradation_rate
        self.episode = episode
        self.degraded_left = 0
        self.cell = self.rng.choice(((78, 627264), (41, 504990), (28, 154810)))
        self.pci = self.rng.randrange(0, 1008)
        self._walk: dict[str, float] = {}

    def _around(self, key: str, point: float, noise: float) -> float:
        """A mean-reverting random walk around `point`, so consecutive readings are correlated."""
        previous = self._walk.get(key, point)
        value = previous + 0.3 * (point - previous) + self.rng.gauss(0, abs(noise * point))
        self._walk[key] = value
        return value

    def _normal(self, kpi: str, default_point: float, noise: float) -> float:
        bound = self.bounds.get(kpi)
        if bound is None:
            return max(self._around(kpi, default_point, noise), 0.0)
        if bound.direction == "max":
            return min(max(self._around(kpi, bound.value * _MAX_POINT, noise), 0.0), bound.value * _MAX_CEILING)
        return max(self._around(kpi, bound.value * _MIN_POINT, noise), bound.value * _MIN_FLOOR)

    def next(self) -> Reading:
        if self.degraded_left == 0 and self.rng.random() < self.degradation_rate:
            self.degraded_left = self.rng.randint(*self.episode)
        degraded = self.degraded_left > 0
        if degraded:
            self.degraded_left -= 1
        values: dict[str, float | None] = {
            kpi: self._normal(kpi, point, noise) for kpi, point, noise, *_ in (*_NETWORK_KPIS, *self.own_kpis)
        }
        values.update(
            rsrp_dbm=self._around("rsrp", -88.0, 0.02),
            rsrq_db=self._around("rsrq", -10.5, 0.04),
            sinr_db=self._around("sinr", 16.0, 0.08),
            pci=float(self.pci),
            arfcn=float(self.cell[1]),
        )
        if degraded:
            self._degrade(values)
        return Reading(checked(values), {"rat": "NR5G-SA", "band": f"n{self.cell[0]}"})

    def _degrade(self, values: dict[str, Any]) -> None:
        """Every bounded KPI crosses its bound; unbounded scenario KPIs get worse by their factor."""
        rng = self.rng
        for kpi, bound in self.bounds.items():
            if kpi in values:
                factor = rng.uniform(1.3, 3.0) if bound.direction == "max" else rng.uniform(0.1, 0.7)
                values[kpi] = bound.value * factor
        for kpi, _, _, factor in self.own_kpis:
            if kpi not in self.bounds:
                values[kpi] = values[kpi] * factor * rng.uniform(0.8, 1.2)
        values["rsrp_dbm"] = rng.uniform(-120.0, -110.0)
        values["sinr_db"] = rng.uniform(-5.0, 3.0)


def stream_for(scenario: str, seed: int, behaviour: str, configured_rate: float) -> ScenarioStream:
    rate, episode = BEHAVIOURS[behaviour]
    return ScenarioStream(scenario, seed, configured_rate if rate is None else rate, episode)


class SimulatedSource:
    name = "simulated"

    def __init__(self, config: dict[str, Any], gateway_id: str = "") -> None:
        self.stream = ScenarioStream(
            config["scenario"], stable_seed(int(config["seed"]), gateway_id), float(config["degradation_rate"])
        )

    def read(self) -> Reading:
        return self.stream.next()

    def close(self) -> None:
        pass
