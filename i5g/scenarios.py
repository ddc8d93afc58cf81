"""Scenario taxonomy and KPI requirement profiles: the one place they live.

The registry stores and serves them (GET /api/v1/scenarios), the collector checks every sample against
`bounds_for(scenario_key)` (collector/sla.py), and the dashboards draw the bounds as thresholds.

Standard library only.

NOTE: the seeds issue fills in the real figures with 3GPP citations; until then every requirement is a
marked project default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PROJECT_DEFAULT = "project default"

Direction = Literal["max", "min"]


@dataclass(frozen=True)
class Requirement:
    """One figure of a requirement profile.

    `metric` is the profile's own name (latency_ms, jitter_ms, loss_pct, availability_pct, ul_mbps, dl_mbps,
    survival_time_ms, transfer_interval_ms, ...). `kpi` names the telemetry KPI (i5g.contract.KPIS) that live
    samples are checked against, or None where the figure is not observable per sample (survival time).
    `direction` "max": the observed value must be <= value; "min": >= value.
    `source` cites the table and row, or is PROJECT_DEFAULT where no published figure exists.
    """

    metric: str
    value: float
    unit: str
    direction: Direction
    source: str
    kpi: str | None = None
    note: str = ""

    @property
    def is_project_default(self) -> bool:
        return self.source == PROJECT_DEFAULT

    def violated_by(self, observed: float) -> bool:
        return observed > self.value if self.direction == "max" else observed < self.value


@dataclass(frozen=True)
class Scenario:
    key: str
    name_zh: str
    name_en: str
    description: str
    miit: tuple[str, ...]  # China MIIT "5G+工业互联网" typical scenarios (Chinese names) this maps to
    requirements: tuple[Requirement, ...] = field(default_factory=tuple)

    def bounds(self) -> tuple[Requirement, ...]:
        """The requirements that live telemetry can be checked against."""
        return tuple(r for r in self.requirements if r.kpi is not None)


def _default_profile(latency_ms: float, ul_mbps: float, dl_mbps: float) -> tuple[Requirement, ...]:
    return (
        Requirement("latency_ms", latency_ms, "ms", "max", PROJECT_DEFAULT, kpi="rtt_ms"),
        Requirement("jitter_ms", latency_ms / 2, "ms", "max", PROJECT_DEFAULT, kpi="jitter_ms"),
        Requirement("loss_pct", 1.0, "%", "max", PROJECT_DEFAULT, kpi="loss_pct"),
        Requirement("ul_mbps", ul_mbps, "Mbit/s", "min", PROJECT_DEFAULT, kpi="ul_mbps"),
        Requirement("dl_mbps", dl_mbps, "Mbit/s", "min", PROJECT_DEFAULT, kpi="dl_mbps"),
    )


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario(
            "agv", "AGV/厂区智能物流", "AGV and in-plant logistics", "", ("厂区智能物流",), _default_profile(20, 1, 1)
        ),
        Scenario(
            "machine_vision",
            "机器视觉质检",
            "Machine-vision quality inspection",
            "",
            ("机器视觉质检",),
            _default_profile(50, 50, 1),
        ),
        Scenario(
            "remote_control",
            "远程设备操控",
            "Remote equipment control",
            "",
            ("远程设备操控",),
            _default_profile(20, 10, 1),
        ),
        Scenario(
            "data_collection",
            "数据采集与设备监测",
            "Data collection and equipment monitoring",
            "",
            ("生产现场监测",),
            _default_profile(100, 1, 0.1),
        ),
        Scenario(
            "video_surveillance",
            "安全与视频监控",
            "Safety and video surveillance",
            "",
            ("生产现场监测",),
            _default_profile(200, 10, 0.1),
        ),
        Scenario(
            "remote_diagnosis",
            "远程诊断与预测维护",
            "Remote diagnosis and predictive maintenance",
            "",
            ("设备故障诊断", "设备预测维护"),
            _default_profile(200, 1, 1),
        ),
        Scenario(
            "ar_assembly", "AR辅助装配", "AR-assisted assembly", "", ("现场辅助装配",), _default_profile(50, 10, 20)
        ),
        Scenario(
            "inspection_robot",
            "无人智能巡检",
            "Unmanned inspection robot",
            "",
            ("无人智能巡检",),
            _default_profile(100, 10, 1),
        ),
        Scenario("digital_twin", "数字孪生", "Digital twin", "", ("生产单元模拟",), _default_profile(100, 10, 10)),
        Scenario(
            "automation_control",
            "自动化控制/全连接工厂",
            "Automation control / fully-connected factory",
            "",
            ("设备协同作业", "柔性生产制造"),
            _default_profile(10, 1, 1),
        ),
    )
}


def get(key: str) -> Scenario:
    """The scenario with that key; KeyError names the known keys."""
    try:
        return SCENARIOS[key]
    except KeyError:
        raise KeyError(f"unknown scenario {key!r}; known: {', '.join(sorted(SCENARIOS))}") from None


def bounds_for(key: str) -> tuple[Requirement, ...]:
    return get(key).bounds()
