"""Telemetry written straight to InfluxDB's /write in exactly the storage schema of i5g.contract, encoded by the
collector's own line-protocol functions.

For the fast query tests (test_queries_on_influxdb.py, test_cli_and_provisioning.py); the real pipeline feeds
test_pipeline_dashboards.py. One gateway per scenario and one more, Chinese names and regex-special characters
in tag values, some samples violating their bounds, one gateway offline, sites without coordinates, dead
letters and collector counters.
"""

from __future__ import annotations

import random
import urllib.request
from dataclasses import dataclass

from collector.writer import collector_line, dead_letter_line, gateway_status_line
from i5g.contract import (
    FIELD_SEQ,
    FIELD_SLA_OK,
    FIELD_SLA_VIOLATIONS,
    KPI_TAGS,
    KPIS,
    MEASUREMENT_KPI,
    sla_flag_field,
)
from i5g.lineprotocol import FieldValue, line, tag_set
from i5g.scenarios import SCENARIOS


@dataclass(frozen=True)
class Site:
    gateway: str
    use_case: str
    scenario: str
    enterprise: str
    city: str
    industry: str
    lat: float | None
    lon: float | None

    def tags(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in KPI_TAGS}


def sites() -> list[Site]:
    """Two gateways for the first scenario (one of them offline), one for every other."""
    cities = [("常州", 31.81, 119.97), ("苏州", 31.30, 120.58), ("南京", 32.06, 118.80)]
    enterprises = ["中天钢铁(常州)集团", "徐工 Machinery", "亨通.光电"]
    result = []
    for index, key in enumerate(sorted(SCENARIOS)):
        city, lat, lon = cities[index % len(cities)]
        has_coordinates = index % 4 != 3  # some sites are registered without coordinates
        result.append(
            Site(
                f"gw-{key.replace('_', '-')}-1",
                str(100 + index),
                key,
                enterprises[index % len(enterprises)],
                city,
                "steel" if index % 2 else "machinery",
                lat if has_coordinates else None,
                lon if has_coordinates else None,
            )
        )
    first = result[0]
    result.append(
        Site(
            f"{first.gateway[:-2]}-2",
            first.use_case,
            first.scenario,
            first.enterprise,
            first.city,
            first.industry,
            first.lat,
            first.lon,
        )
    )
    return result


def _kpi_value(name: str, rng: random.Random) -> float | int:
    kpi = KPIS[name]
    if kpi.integer:
        return rng.randint(int(kpi.minimum), min(int(kpi.maximum), 1000))
    low, high = kpi.minimum, min(kpi.maximum, kpi.minimum + 200)
    return round(rng.uniform(low, high), 3)


def kpi_fields(site: Site, seq: int, rng: random.Random) -> dict[str, FieldValue]:
    kpis = {name: _kpi_value(name, rng) for name in KPIS}
    fields: dict[str, FieldValue] = dict(kpis)
    violations = 0
    for requirement in SCENARIOS[site.scenario].bounds():
        within = not requirement.violated_by(float(kpis[requirement.kpi]))
        fields[sla_flag_field(requirement.kpi)] = within
        violations += 0 if within else 1
    fields[FIELD_SEQ] = seq
    fields[FIELD_SLA_OK] = violations == 0
    fields[FIELD_SLA_VIOLATIONS] = violations
    return fields


def lines(now_ms: int, seconds: int = 120, seed: int = 7) -> list[str]:
    """Line protocol made by the collector's own encoders (collector/writer.py), so types and escaping match."""
    rng = random.Random(seed)
    result = []
    all_sites = sites()
    for site in all_sites:
        tags = tag_set(site.tags().items())
        for second in range(seconds):
            ts = now_ms - (seconds - second) * 1000
            result.append(line(MEASUREMENT_KPI, tags, kpi_fields(site, second, rng), ts))
        online = site is not all_sites[-1]
        result.append(gateway_status_line(tags, now_ms - seconds * 1000, online, 0, "0.1.0", site.lat, site.lon))
    for index, reason in enumerate(("bad_json", "unknown_gateway", "out_of_range")):
        gateway = all_sites[index].gateway
        result.append(dead_letter_line(gateway, reason, now_ms - 5000 - index, f"test {reason}", "i5g/v1/x/telemetry"))
    for second in range(0, seconds, 5):
        counters = {"received": second * 10, "written": second * 10, "dead_lettered": 3, "redelivered": 0}
        fields = {**counters, "write_latency_ms": 4.5, "lag_ms": 120.0}
        result.append(collector_line("c1", now_ms - (seconds - second) * 1000, fields))
    return result


def write(influx_url: str, database: str, all_lines: list[str]) -> None:
    body = "\n".join(all_lines).encode()
    request = urllib.request.Request(f"{influx_url}/write?db={database}&precision=ms", data=body)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 204, response.read()
