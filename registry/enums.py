"""The registry's enumerations and their Chinese and English labels: the one place both live.

Values are stable API/database strings; labels are for people (the web UI, CSV exports). `label(member, "zh")`
gives the Chinese label, `choices(EnumCls)` the (value, zh, en) triples a form or filter menu needs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Lang = Literal["zh", "en"]


class NetworkMode(StrEnum):
    public_5g = "public_5g"
    vpn = "vpn"  # virtual private network on the public 5G network (network slicing, UPF sharing)
    hybrid_private = "hybrid_private"  # hybrid private network: own UPF/MEC on site, shared RAN
    dedicated_private = "dedicated_private"  # dedicated private network: own RAN and core


class Operator(StrEnum):
    china_mobile = "china_mobile"
    china_unicom = "china_unicom"
    china_telecom = "china_telecom"
    china_broadnet = "china_broadnet"


class LifecycleStage(StrEnum):
    planned = "planned"
    negotiating = "negotiating"
    signed = "signed"
    building = "building"
    operating = "operating"
    demonstration = "demonstration"


class ReviewStatus(StrEnum):
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"


class TokenRole(StrEnum):
    staff = "staff"  # reads everything, writes everything
    collector = "collector"  # reads the gateway directory, reports gateway status


LABELS: dict[StrEnum, tuple[str, str]] = {
    NetworkMode.public_5g: ("5G公网", "Public 5G"),
    NetworkMode.vpn: ("5G虚拟专网", "Virtual private network"),
    NetworkMode.hybrid_private: ("5G混合专网", "Hybrid private network"),
    NetworkMode.dedicated_private: ("5G独立专网", "Dedicated private network"),
    Operator.china_mobile: ("中国移动", "China Mobile"),
    Operator.china_unicom: ("中国联通", "China Unicom"),
    Operator.china_telecom: ("中国电信", "China Telecom"),
    Operator.china_broadnet: ("中国广电", "China Broadnet"),
    LifecycleStage.planned: ("规划中", "Planned"),
    LifecycleStage.negotiating: ("洽谈中", "Negotiating"),
    LifecycleStage.signed: ("已签约", "Signed"),
    LifecycleStage.building: ("建设中", "Building"),
    LifecycleStage.operating: ("已运营", "Operating"),
    LifecycleStage.demonstration: ("示范应用", "Demonstration"),
    ReviewStatus.submitted: ("待审核", "Submitted"),
    ReviewStatus.approved: ("已通过", "Approved"),
    ReviewStatus.rejected: ("已驳回", "Rejected"),
    TokenRole.staff: ("工作人员", "Staff"),
    TokenRole.collector: ("采集服务", "Collector"),
}


def label(member: StrEnum, lang: Lang = "zh") -> str:
    zh, en = LABELS[member]
    return zh if lang == "zh" else en


def choices(enum_cls: type[StrEnum]) -> list[tuple[str, str, str]]:
    """(value, zh label, en label) for every member, in declaration order."""
    return [(member.value, *LABELS[member]) for member in enum_cls]
