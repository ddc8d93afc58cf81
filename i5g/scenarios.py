"""Scenario taxonomy and KPI requirement profiles: the one place they live.

The registry stores and serves them (GET /api/v1/scenarios), the collector checks every sample against
`bounds_for(scenario_key)` (collector/sla.py), and the dashboards draw the bounds as thresholds.
docs/catalog.md explains every figure and where it was read.

Conventions (they matter when a figure is compared with live telemetry):
- Every number cites document, table and row, or is PROJECT_DEFAULT with a note saying why no published
  figure applies. 3GPP tables give ranges; a profile takes the LOOSEST end of a range (the upper end of a
  latency range, the lower end of a data-rate range), so a violation means that even the least demanding
  variant of the cited row is not met.
- 3GPP end-to-end latency is one-way. The telemetry contract measures round-trip time (`rtt_ms`), so each
  profile carries the cited one-way figure (`one_way_latency_ms`, not checkable per sample) AND the
  end-to-end latency bound `latency_ms` that samples are checked against: kpi `rtt_ms`, value 2 x the one-way
  figure (assumes symmetric paths; an RTT within 2L does not prove each direction within L, an RTT above 2L
  proves at least one direction above L).
- Communication service availability / reliability are long-run figures of a service, not of a sample: they
  are kept (`availability_pct` / `reliability_pct`, kpi None) and the per-sample check uses `loss_pct`, which
  is always a project default because no 3GPP table states a per-probe loss figure.
- Jitter is a project default everywhere: TS 22.104 Annex C.4.1 explains that requirements are formulated as
  timeliness of the end-to-end latency, not as jitter, so no table gives one.

Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PROJECT_DEFAULT = "project default"

Direction = Literal["max", "min"]


@dataclass(frozen=True)
class Requirement:
    """One figure of a requirement profile.

    `metric` is the profile's own name (latency_ms (checked as RTT), one_way_latency_ms, jitter_ms, loss_pct,
    availability_pct, reliability_pct, ul_mbps, dl_mbps, survival_time_ms, transfer_interval_ms, or a scenario
    KPI name).
    `kpi` names the telemetry KPI (i5g.contract.KPIS) that live samples are checked against, or None where the
    figure is not observable per sample (one-way latency, availability, survival time).
    `direction` "max": the observed value must be <= value; "min": >= value.
    `source` cites document, table and row, or is PROJECT_DEFAULT where no published figure exists.
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
class ScenarioKpi:
    """A KPI of the scenario's own application (a contract KPI name) and the working point a healthy deployment
    typically shows: the simulator's centre, not a requirement (requirements are `Requirement`s)."""

    kpi: str
    typical: float


@dataclass(frozen=True)
class Scenario:
    """A 5G application scenario: its names, its KPIs and the requirement profile they are judged by."""

    key: str
    name_zh: str
    name_en: str
    description: str
    miit: tuple[str, ...]  # China MIIT "5G+工业互联网" typical scenarios (Chinese names, keys of MIIT_SCENARIOS)
    requirements: tuple[Requirement, ...] = field(default_factory=tuple)
    # The wording the five municipal source documents use for this category (what the catalog maps from).
    document_terms: tuple[str, ...] = ()
    # What the scenario's own application reports beside the network and radio KPIs every gateway has.
    kpis: tuple[ScenarioKpi, ...] = ()

    @property
    def kpi_names(self) -> tuple[str, ...]:
        return tuple(k.kpi for k in self.kpis)

    def bounds(self) -> tuple[Requirement, ...]:
        """The requirements that live telemetry can be checked against."""
        return tuple(r for r in self.requirements if r.kpi is not None)

    @property
    def miit_en(self) -> tuple[str, ...]:
        return tuple(MIIT_SCENARIOS[name][0] for name in self.miit)

    def requirement(self, metric: str) -> Requirement | None:
        return next((r for r in self.requirements if r.metric == metric), None)


# MIIT's 20 typical "5G+工业互联网" scenarios: Chinese name -> (English translation, batch). The first ten were
# published at the May 2021 on-site meeting, the second ten in Nov 2021. English names are our translations.
MIIT_SCENARIOS: dict[str, tuple[str, int]] = {
    "协同研发设计": ("Collaborative R&D and design", 1),
    "远程设备操控": ("Remote equipment control", 1),
    "设备协同作业": ("Coordinated equipment operation", 1),
    "柔性生产制造": ("Flexible manufacturing", 1),
    "现场辅助装配": ("On-site assisted assembly", 1),
    "机器视觉质检": ("Machine-vision quality inspection", 1),
    "设备故障诊断": ("Equipment fault diagnosis", 1),
    "厂区智能物流": ("In-plant intelligent logistics", 1),
    "无人智能巡检": ("Unmanned intelligent inspection", 1),
    "生产现场监测": ("Production-site monitoring", 1),
    "生产单元模拟": ("Production-unit simulation", 2),
    "精准动态作业": ("Precise dynamic operation", 2),
    "生产能效管控": ("Production energy-efficiency control", 2),
    "工艺合规校验": ("Process-compliance verification", 2),
    "生产过程溯源": ("Production-process traceability", 2),
    "设备预测维护": ("Predictive equipment maintenance", 2),
    "厂区智能理货": ("In-plant intelligent tallying", 2),
    "全域物流监测": ("Whole-chain logistics monitoring", 2),
    "虚拟现场服务": ("Virtual on-site service", 2),
    "企业协同合作": ("Inter-enterprise collaboration", 2),
}

# ------------------------------------------------------------------------------------------- citations
# Where each row was read is recorded in docs/catalog.md ("Scenario profiles").
_T104_53 = "3GPP TS 22.104 Table 5.3-1 (aperiodic deterministic communication)"
_T104_522 = "3GPP TS 22.104 Table 5.2-2 (industrial wireless sensors)"
_TR847 = "3GPP TR 22.847 KPI table for the 'Remote control robot' use case"
_T261_711 = "3GPP TS 22.261 Table 7.11-1 (tactile and multi-modal communication)"

ROW_MOBILE_ROBOT_VIDEO = f"{_T104_53}, row 'Mobile robots - video streaming (clause A.2.2.3)'"
ROW_EMERGENCY_STOP = f"{_T104_53}, row 'Mobile Operation Panel: Emergency stop (clause A.2.4.1A)'"
ROW_AR = f"{_T104_53}, row 'Augmented reality; bi-directional transmission to image processing server (A.2.4.2)'"
ROW_LINK_REPLACEMENT = f"{_T104_53}, row 'Wired-2-wireless 100 Mbit/s link replacement (clause A.2.2.4)'"
ROW_PROCESS_MONITORING = f"{_T104_522}, row 'Process monitoring, e.g. temperature sensor (A.2.3.2)'"
ROW_ASSET_MONITORING = f"{_T104_522}, row 'Asset monitoring, e.g. vibration sensor (A.2.3.2)'"
ROW_RC_HAPTIC = f"{_TR847}, row 'Haptic feedback' (high-dynamic, <= 50 km/h)"
ROW_RC_VIDEO = f"{_TR847}, row 'Video'"
ROW_VR_DL_VIDEO = f"{_T261_711}, row 'Immersive multi-modal VR (DL: application server -> device)', Video"

_JITTER_NOTE = (
    "No 3GPP table states jitter: TS 22.104 Annex C.4.1 formulates latency requirements as timeliness, not "
    "jitter. Project default: half the RTT bound, compared with the contract's RFC 3550-style jitter_ms."
)
_LOSS_NOTE = (
    "Per-probe loss is not a 3GPP figure (the tables give service availability over time). Project default, "
    "checked per sample against loss_pct."
)
_RATE_NOTE = (
    "Compared with ul_mbps/dl_mbps as the agent measures them; a gateway reporting idle traffic instead of a "
    "throughput test reads as a violation."
)


# ---------------------------------------------------------------------------------------------- builders
# Small helpers so every profile states the same metrics the same way (and the RTT derivation is in one place).


def _latency(one_way_ms: float, source: str, note: str = "") -> tuple[Requirement, Requirement]:
    """The cited one-way latency plus the latency bound samples are checked against (RTT, 2x one-way)."""
    rtt_source = source if source == PROJECT_DEFAULT else f"derived: 2 x one-way latency of {source}"
    return (
        Requirement("one_way_latency_ms", one_way_ms, "ms", "max", source, kpi=None, note=note or "one-way end-to-end"),
        Requirement(
            "latency_ms",
            2 * one_way_ms,
            "ms",
            "max",
            rtt_source,
            kpi="rtt_ms",
            note=f"RTT compared with 2 x the one-way bound ({one_way_ms:g} ms), assuming symmetric paths.",
        ),
    )


def _jitter(rtt_bound_ms: float) -> Requirement:
    return Requirement("jitter_ms", rtt_bound_ms / 2, "ms", "max", PROJECT_DEFAULT, kpi="jitter_ms", note=_JITTER_NOTE)


def _loss(max_pct: float) -> Requirement:
    return Requirement("loss_pct", max_pct, "%", "max", PROJECT_DEFAULT, kpi="loss_pct", note=_LOSS_NOTE)


def _availability(pct: float, source: str, metric: str = "availability_pct", note: str = "") -> Requirement:
    return Requirement(metric, pct, "%", "min", source, kpi=None, note=note or "long-run service figure")


def _rate(metric: str, mbps: float, source: str, note: str = "") -> Requirement:
    kpi = metric  # ul_mbps / dl_mbps are contract KPIs of the same name
    full_note = f"{note.rstrip('.')}. {_RATE_NOTE}" if note else _RATE_NOTE
    return Requirement(metric, mbps, "Mbit/s", "min", source, kpi=kpi, note=full_note)


def _profile(
    *,
    latency: tuple[float, str, str],
    availability: tuple[float, str, str] | None,
    loss_pct: float,
    ul: tuple[float, str, str],
    dl: tuple[float, str, str],
    extra: tuple[Requirement, ...] = (),
    availability_metric: str = "availability_pct",
) -> tuple[Requirement, ...]:
    one_way, latency_source, latency_note = latency
    requirements: list[Requirement] = [*_latency(one_way, latency_source, latency_note), _jitter(2 * one_way)]
    if availability is not None:
        pct, source, note = availability
        requirements.append(_availability(pct, source, availability_metric, note))
    requirements.append(_loss(loss_pct))
    requirements.append(_rate("ul_mbps", *ul))
    requirements.append(_rate("dl_mbps", *dl))
    requirements.extend(extra)
    return tuple(requirements)


def _default(
    metric: str, value: float, unit: str, direction: Direction, *, note: str, kpi: str | None = None
) -> Requirement:
    """A figure no published table gives: marked PROJECT_DEFAULT, with the reason in `note`."""
    return Requirement(metric, value, unit, direction, PROJECT_DEFAULT, kpi=kpi, note=note)


def _pd(value: float, note: str) -> tuple[float, str, str]:
    return (value, PROJECT_DEFAULT, note)


# AGVs and inspection robots share the mobile-robot video-streaming row.
_MOBILE_ROBOT_VIDEO: dict[str, tuple[float, str, str]] = {
    "latency": (10, ROW_MOBILE_ROBOT_VIDEO, "one-way; the row's 'Max allowed end-to-end latency'"),
    "availability": (99.9999, ROW_MOBILE_ROBOT_VIDEO, "row value '> 99.999 9 %'"),
    "ul": (10, ROW_MOBILE_ROBOT_VIDEO, "row value 'UL: > 10 Mbit/s'"),
}

# --------------------------------------------------------------------------------------------- taxonomy

SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario(
            "agv",
            "AGV/厂区智能物流",
            "AGV and in-plant logistics",
            "Automated guided vehicles and mobile robots moving material inside the plant: fleet control, "
            "navigation and their camera streams.",
            ("厂区智能物流",),
            _profile(
                **_MOBILE_ROBOT_VIDEO,
                loss_pct=0.1,
                dl=_pd(1, "Fleet-control commands downlink; the cited row states uplink only."),
                extra=(
                    _default(
                        "transfer_interval_ms",
                        50,
                        "ms",
                        "max",
                        note="Periodic mobile-robot control traffic is in TS 22.104 Table 5.2-1; its rows were not "
                        "verified for this profile, so the interval is a project default.",
                    ),
                    _default(
                        "survival_time_ms",
                        50,
                        "ms",
                        "max",
                        note="Project default equal to one transfer interval (see transfer_interval_ms).",
                    ),
                    _default(
                        "agv_pos_err_cm",
                        10,
                        "cm",
                        "max",
                        kpi="agv_pos_err_cm",
                        note="Path-tracking error is an application figure; no 3GPP row gives it.",
                    ),
                ),
            ),
            ("物流自动引导车", "AGV智能车", "无人演示车"),
            kpis=(
                ScenarioKpi("agv_pos_err_cm", 2.0),
                ScenarioKpi("agv_speed_mps", 1.5),
            ),
        ),
        Scenario(
            "machine_vision",
            "机器视觉质检",
            "Machine-vision quality inspection",
            "Industrial cameras upload images or video over 5G to an edge server that runs defect detection; "
            "results go back to the line.",
            ("机器视觉质检", "工艺合规校验"),
            _profile(
                latency=_pd(
                    20,
                    "No 3GPP table has a machine-vision row; the closest, TS 22.104 Table 5.3-1 'Augmented "
                    "reality; bi-directional transmission to image processing server', gives < 10 ms.",
                ),
                availability=_pd(99.9, "No published availability for machine-vision inspection."),
                loss_pct=0.5,
                ul=_pd(50, "Uplink of industrial camera streams; no published row."),
                dl=_pd(1, "Only inspection results flow downlink."),
                extra=(
                    _default(
                        "vision_infer_ms",
                        100,
                        "ms",
                        "max",
                        kpi="vision_infer_ms",
                        note="Per-frame inference latency on the edge server; an application figure.",
                    ),
                ),
            ),
            ("视觉检测", "质量检测"),
            kpis=(
                ScenarioKpi("vision_fps", 30.0),
                ScenarioKpi("vision_infer_ms", 25.0),
                ScenarioKpi("vision_defect_pct", 1.2),
            ),
        ),
        Scenario(
            "remote_control",
            "远程设备操控",
            "Remote equipment control",
            "Operators drive machines (cranes, construction machinery, robots) remotely from video and sensor "
            "feedback; commands go down, video comes up.",
            ("远程设备操控",),
            _profile(
                latency=(20, ROW_RC_HAPTIC, "one-way; upper end of the row's '1-20ms'"),
                availability=(99.99, ROW_RC_HAPTIC, "the TR's 'Reliability' column"),
                availability_metric="reliability_pct",
                loss_pct=0.1,
                ul=(1, ROW_RC_VIDEO, "video from the machine; lower end of the row's '1-100 Mbit/s'"),
                dl=(0.016, ROW_RC_HAPTIC, "commands to the machine; lower end of '16 kbit/s - 2 Mbit/s'"),
                extra=(
                    Requirement(
                        "survival_time_ms",
                        16,
                        "ms",
                        "max",
                        ROW_EMERGENCY_STOP,
                        note="Survival time of the emergency-stop path of a remotely operated machine.",
                    ),
                    _default(
                        "ctrl_loop_ms",
                        100,
                        "ms",
                        "max",
                        kpi="ctrl_loop_ms",
                        note="Command-to-feedback loop includes application processing, which no 3GPP row covers.",
                    ),
                ),
            ),
            ("精准操控", "远程操控", "远程交互"),
            kpis=(ScenarioKpi("ctrl_loop_ms", 12.0),),
        ),
        Scenario(
            "data_collection",
            "数据采集与设备监测",
            "Data collection and equipment monitoring",
            "Machines, meters and sensors report state over 5G for real-time monitoring of equipment status, "
            "production progress and energy use.",
            ("生产现场监测", "生产能效管控", "生产过程溯源"),
            _profile(
                latency=(100, ROW_PROCESS_MONITORING, "one-way; row value '< 100 ms'"),
                availability=(99.99, ROW_PROCESS_MONITORING, ""),
                loss_pct=1.0,
                ul=_pd(0.1, "Sensor uplink; the cited row states no data rate."),
                dl=_pd(0.01, "Configuration downlink only."),
                extra=(
                    Requirement(
                        "transfer_interval_ms",
                        60_000,
                        "ms",
                        "max",
                        ROW_PROCESS_MONITORING,
                        note="upper end of the row's '100 ms to 60 s'",
                    ),
                    _default(
                        "sensor_pps",
                        1,
                        "point/s",
                        "min",
                        kpi="sensor_pps",
                        note="At least one point per second delivered per gateway; deployment-specific.",
                    ),
                ),
            ),
            ("数据采集", "设备互联", "实时监控"),
            kpis=(ScenarioKpi("sensor_pps", 2000.0),),
        ),
        Scenario(
            "video_surveillance",
            "安全与视频监控",
            "Safety and video surveillance",
            "Fixed cameras watch the production site for safety and security (smart security, industrial video "
            "monitoring).",
            ("生产现场监测",),
            _profile(
                latency=_pd(
                    100,
                    "No 3GPP row covers fixed CCTV on a factory site (TS 22.104's video rows are for mobile-robot "
                    "guidance, far stricter than viewing).",
                ),
                availability=_pd(99.9, "No published availability for site surveillance video."),
                loss_pct=1.0,
                ul=_pd(4, "About one 1080p H.264 stream per gateway."),
                dl=_pd(0.1, "Camera control only."),
                extra=(
                    _default(
                        "video_mbps",
                        4,
                        "Mbit/s",
                        "min",
                        kpi="video_mbps",
                        note="Delivered video uplink rate; same project default as ul_mbps.",
                    ),
                ),
            ),
            ("安全监控", "安防监控", "视频监控", "智能监控", "智能安防"),
            kpis=(ScenarioKpi("video_mbps", 16.0),),
        ),
        Scenario(
            "remote_diagnosis",
            "远程诊断与预测维护",
            "Remote diagnosis and predictive maintenance",
            "Condition data (vibration, temperature, operating state) go to remote experts or models that "
            "diagnose faults and predict maintenance; includes remote maintenance and health management.",
            ("设备故障诊断", "设备预测维护"),
            _profile(
                latency=(100, ROW_ASSET_MONITORING, "one-way; row value '< 100 ms'"),
                availability=(99.99, ROW_ASSET_MONITORING, ""),
                loss_pct=1.0,
                ul=_pd(1, "Condition-monitoring uplink (vibration spectra); the row states no data rate."),
                dl=_pd(0.1, "Diagnosis results and parameters."),
                extra=(
                    Requirement(
                        "transfer_interval_ms",
                        1000,
                        "ms",
                        "max",
                        ROW_ASSET_MONITORING,
                        note="row value '≤ 1 s'",
                    ),
                ),
            ),
            ("远程诊断", "远程维护", "健康管理"),
            kpis=(ScenarioKpi("sensor_pps", 500.0),),
        ),
        Scenario(
            "ar_assembly",
            "AR辅助装配",
            "AR-assisted assembly",
            "Workers wear AR glasses that receive assembly instructions rendered from an edge server and send "
            "camera images for recognition.",
            ("现场辅助装配",),
            _profile(
                latency=(10, ROW_AR, "one-way; row value '< 10 ms'"),
                availability=(99.9, ROW_AR, "row value '> 99.9 %'"),
                loss_pct=0.5,
                ul=_pd(10, "Camera images from the glasses; the cited row gives no bit rate."),
                dl=_pd(20, "Rendered overlay video to the glasses; the cited row gives no bit rate."),
            ),
            ("AR辅助装配",),
            kpis=(ScenarioKpi("video_mbps", 25.0),),
        ),
        Scenario(
            "inspection_robot",
            "无人智能巡检",
            "Unmanned inspection robot",
            "Wheeled or legged robots patrol plant areas and stream video and sensor readings back over 5G.",
            ("无人智能巡检",),
            _profile(
                **_MOBILE_ROBOT_VIDEO,
                loss_pct=0.1,
                dl=_pd(1, "Navigation commands; the cited row states uplink only."),
                extra=(
                    Requirement(
                        "video_mbps",
                        10,
                        "Mbit/s",
                        "min",
                        ROW_MOBILE_ROBOT_VIDEO,
                        kpi="video_mbps",
                        note="row value 'UL: > 10 Mbit/s' applied to the robot's video stream",
                    ),
                ),
            ),
            ("智能巡检机器人",),
            kpis=(
                ScenarioKpi("video_mbps", 12.0),
                ScenarioKpi("agv_pos_err_cm", 5.0),
            ),
        ),
        Scenario(
            "digital_twin",
            "数字孪生",
            "Digital twin",
            "A virtual model of a production unit kept in sync with the real one from live data, used for "
            "simulation, planning and collaborative design.",
            ("生产单元模拟", "协同研发设计"),
            _profile(
                latency=_pd(50, "No 3GPP row covers digital-twin synchronisation."),
                availability=_pd(99.9, "No published availability for digital twins."),
                loss_pct=1.0,
                ul=_pd(10, "State and point-cloud uplink; deployment-specific."),
                dl=_pd(1, "Model updates downlink."),
                extra=(
                    _default(
                        "twin_sync_ms",
                        1000,
                        "ms",
                        "max",
                        kpi="twin_sync_ms",
                        note="Delay between a state change and its reflection in the twin; application figure.",
                    ),
                ),
            ),
            ("数字孪生",),
            kpis=(ScenarioKpi("twin_sync_ms", 80.0),),
        ),
        Scenario(
            "automation_control",
            "自动化控制/全连接工厂",
            "Automation control / fully-connected factory",
            "5G replaces wired industrial links between controllers, machines and lines (industrial automation "
            "control, machine-tool networking, fully-connected factory / smart factory).",
            ("设备协同作业", "柔性生产制造", "精准动态作业"),
            _profile(
                latency=(1, ROW_LINK_REPLACEMENT, "one-way; row value '< 1 ms'"),
                availability=(99.9999, ROW_LINK_REPLACEMENT, "lower end of '99.999 9 % to 99.999 999 %'"),
                loss_pct=0.01,
                ul=(25, ROW_LINK_REPLACEMENT, "row value '25 Mbit/s' (service bit rate, each direction)"),
                dl=(25, ROW_LINK_REPLACEMENT, "row value '25 Mbit/s' (service bit rate, each direction)"),
                extra=(
                    _default(
                        "transfer_interval_ms",
                        10,
                        "ms",
                        "max",
                        note="Cyclic control traffic is in TS 22.104 Table 5.2-1; its rows were not verified for "
                        "this profile, so the interval is a project default.",
                    ),
                    _default(
                        "survival_time_ms", 10, "ms", "max", note="Project default equal to one transfer interval."
                    ),
                    _default(
                        "ctrl_loop_ms",
                        20,
                        "ms",
                        "max",
                        kpi="ctrl_loop_ms",
                        note="Controller command-to-feedback loop; application figure.",
                    ),
                ),
            ),
            ("工业自动化控制", "全连接工厂", "智慧工厂", "机床联网"),
            kpis=(ScenarioKpi("ctrl_loop_ms", 6.0),),
        ),
        Scenario(
            "vr_experience",
            "VR/AR沉浸式展示",
            "VR/AR immersive display",
            "Virtual-reality showrooms and remote immersive presentations of products and plants (e.g. a 5G VR "
            "exhibition hall).",
            ("虚拟现场服务",),
            _profile(
                latency=(10, ROW_VR_DL_VIDEO, "one-way; row value '10 ms'"),
                availability=(99.9, ROW_VR_DL_VIDEO, "the table's 'Reliability' column"),
                availability_metric="reliability_pct",
                loss_pct=0.5,
                ul=_pd(1, "Pose and sensing uplink; the table's UL sensing row gives '< 1 Mbit/s' as a ceiling."),
                dl=(1, ROW_VR_DL_VIDEO, "lower end of the row's '1-100 Mbit/s'"),
            ),
            ("VR展厅",),
            kpis=(ScenarioKpi("video_mbps", 40.0),),
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
