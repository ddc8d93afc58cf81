"""Simulated KPI streams per scenario (i5g/scenarios.py), for the demo and for load tests.

Normal operation stays inside the scenario's bounds with realistic noise (a random walk around a working
point). With probability `degradation_rate` per reading a degradation episode starts and lasts a few
readings: latency and jitter exceed the scenario's maximum, loss rises above it, uplink falls under its
minimum, the radio gets worse, and the scenario's own KPIs suffer. The same seed gives the same stream.
"""

from __future__ import annotations

import random
import zlib
from typing import Any

from edge_agent.sources.base import Reading, checked
from i5g.scenarios import Requirement, bounds_for

# Scenario-specific KPIs: (kpi, normal working point, relative noise, factor applied while degraded).
_SCENARIO_KPIS: dict[str, tuple[tuple[str, float, float, float], ...]] = {
    "agv": (("agv_pos_err_cm", 2.0, 0.2, 6.0), ("agv_speed_mps", 1.5, 0.1, 0.3)),
    "machine_vision": (
        ("vision_fps", 30.0, 0.03, 0.4),
        ("vision_infer_ms", 25.0, 0.1, 4.0),
        ("vision_defect_pct", 1.2, 0.3, 1.0),
    ),
    "remote_control": (("ctrl_loop_ms", 12.0, 0.1, 5.0),),
    "data_collection": (("sensor_pps", 2000.0, 0.05, 0.3),),
    "video_surveillance": (("video_mbps", 16.0, 0.08, 0.25),),
    "remote_diagnosis": (("sensor_pps", 500.0, 0.05, 0.3),),
    "ar_assembly": (("video_mbps", 25.0, 0.08, 0.3),),
    "inspection_robot": (("video_mbps", 12.0, 0.08, 0.3), ("agv_pos_err_cm", 5.0, 0.2, 4.0)),
    "digital_twin": (("twin_sync_ms", 80.0, 0.1, 5.0),),
    "automation_control": (("ctrl_loop_ms", 6.0, 0.1, 5.0),),
    "vr_experience": (("video_mbps", 40.0, 0.08, 0.3),),
}


def stable_seed(seed: int, gateway_id: str) -> int:
    """Per-gateway seed that does not depend on PYTHONHASHSEED."""
    return seed * 1_000_003 + zlib.crc32(gateway_id.encode())


class ScenarioStream:
    def __init__(self, scenario: str, seed: int, degradation_rate: float = 0.01) -> None:
        self.scenario = scenario
        self.bounds: dict[str, Requirement] = {r.kpi: r for r in bounds_for(scenario) if r.kpi}
        self.rng = random.Random(seed)
        self.degradation_rate = degradation_rate
        self.degraded_left = 0
        self.cell = self.rng.choice(((78, 627264), (41, 504990), (28, 154810)))
        self.pci = self.rng.randrange(0, 1008)
        self._walk: dict[str, float] = {}

    def _bound(self, kpi: str, default: float) -> float:
        requirement = self.bounds.get(kpi)
        return requirement.value if requirement else default

    def _around(self, key: str, point: float, noise: float) -> float:
        """A mean-reverting random walk around `point`, so consecutive readings are correlated."""
        previous = self._walk.get(key, point)
        value = previous + 0.3 * (point - previous) + self.rng.gauss(0, noise * point)
        self._walk[key] = value
        return max(value, 0.0) if point >= 0 else value

    def next(self) -> Reading:
        if self.degraded_left == 0 and self.rng.random() < self.degradation_rate:
            self.degraded_left = self.rng.randint(3, 10)
        degraded = self.degraded_left > 0
        if degraded:
            self.degraded_left -= 1
        rtt_max = self._bound("rtt_ms", 50.0)
        values: dict[str, float | None] = {
            "rtt_ms": self._around("rtt", rtt_max * 0.4, 0.08),
            "jitter_ms": self._around("jitter", self._bound("jitter_ms", rtt_max / 2) * 0.2, 0.2),
            "loss_pct": abs(self.rng.gauss(0, 0.05)),
            "ul_mbps": self._around("ul", max(self._bound("ul_mbps", 5.0) * 2.5, 2.0), 0.05),
            "dl_mbps": self._around("dl", max(self._bound("dl_mbps", 5.0) * 3.0, 5.0), 0.05),
            "rsrp_dbm": self._around("rsrp", -88.0, -0.02),
            "rsrq_db": self._around("rsrq", -10.5, -0.04),
            "sinr_db": self._around("sinr", 16.0, 0.08),
            "pci": float(self.pci),
            "arfcn": float(self.cell[1]),
        }
        for kpi, point, noise, _ in _SCENARIO_KPIS.get(self.scenario, ()):
            values[kpi] = self._around(kpi, point, noise)
        if degraded:
            self._degrade(values)
        reading = Reading(checked(values), {"rat": "NR5G-SA", "band": f"n{self.cell[0]}"})
        return reading

    def _degrade(self, values: dict[str, Any]) -> None:
        rng = self.rng
        values["rtt_ms"] = self._bound("rtt_ms", 50.0) * rng.uniform(1.3, 3.0)
        values["jitter_ms"] = self._bound("jitter_ms", 25.0) * rng.uniform(1.2, 2.5)
        values["loss_pct"] = self._bound("loss_pct", 1.0) * rng.uniform(1.5, 8.0)
        values["ul_mbps"] = self._bound("ul_mbps", 5.0) * rng.uniform(0.1, 0.7)
        values["rsrp_dbm"] = rng.uniform(-120.0, -110.0)
        values["sinr_db"] = rng.uniform(-5.0, 3.0)
        for kpi, _, _, factor in _SCENARIO_KPIS.get(self.scenario, ()):
            values[kpi] = values[kpi] * factor * rng.uniform(0.8, 1.2)


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
