"""Every template-variable query and every panel query of every dashboard, with variables and Grafana's macros
substituted as Grafana does (dashboards.verify), runs on a real InfluxDB 1.6.7 via /query and returns data.

DATA SOURCE, stated plainly: these points are written with InfluxDB's /write in exactly the storage schema of
i5g.contract (tests/dashboards/contract_data.py), not by the pipeline. test_pipeline_dashboards.py runs the
same verification on data from the real pipeline; these tests add selections that data does not exercise (two
values at once, the most regex-hostile names, sites without coordinates next to ones with) and take seconds.
"""

from __future__ import annotations

import re
import time

import pytest

from dashboards import build, verify
from i5g.contract import FIELD_LAT, FIELD_LON, FIELD_ONLINE
from tests.conftest import InfluxHandle
from tests.dashboards import contract_data

_REGEX_SPECIAL = re.compile(r"[\\^$*+?.()|\[\]{}/]")


@pytest.fixture
def filled(influxdb: InfluxHandle) -> tuple[verify.QueryRunner, verify.TimeRange]:
    now_ms = int(time.time() * 1000)
    contract_data.write(influxdb.url, influxdb.database, contract_data.lines(now_ms))
    return influxdb.query, verify.TimeRange(now_ms - 15 * 60_000, now_ms + 60_000)


def _select_awkward(name: str, values: list[str]) -> list[str] | str:
    """The value with the most regex-special characters (the escaping must hold); All where none has any."""
    awkward = sorted(
        (v for v in values if _REGEX_SPECIAL.search(v)), key=lambda v: (-len(_REGEX_SPECIAL.findall(v)), v)
    )
    return awkward[:1] or verify.ALL


def _two_values(name: str, values: list[str]) -> list[str] | str:
    return values[:2] if values else verify.ALL


@pytest.mark.parametrize(
    "select",
    [verify.select_all, verify.select_first, _select_awkward, _two_values],
    ids=["all", "first", "awkward", "two"],
)
def test_every_query_returns_data(filled: tuple[verify.QueryRunner, verify.TimeRange], select: verify.Selector) -> None:
    run, time_range = filled
    failures = []
    total = 0
    for name, board in build.load_committed():
        for outcome in verify.run_dashboard(board, run, time_range, select):
            total += 1
            if not outcome.ok:
                failures.append(f"{name} / {outcome.panel}: {outcome.error or 'empty'}\n    {outcome.query}")
    assert total > 200
    assert failures == [], "\n".join(failures)


def test_the_awkward_selection_really_filters(filled: tuple[verify.QueryRunner, verify.TimeRange]) -> None:
    """With the escaped enterprise name selected, the drill-down's gateway list narrows to that enterprise."""
    run, time_range = filled
    board = build.generate()["drilldown.json"]
    variables, outcomes = verify.resolve_variables(board, run, time_range, _select_awkward)
    assert variables["enterprise"] == r"中天钢铁\(常州\)集团"
    gateway_query = outcomes[-1].query
    expected = {s.gateway for s in contract_data.sites() if s.enterprise == "中天钢铁(常州)集团"}
    listed = set(verify.tag_values(run(gateway_query.replace(f"/^{variables['use_case']}$/", "/^.*$/"))))
    assert listed == expected


def test_geomap_gets_coordinates_and_compliance_is_a_percentage(
    filled: tuple[verify.QueryRunner, verify.TimeRange],
) -> None:
    run, time_range = filled
    board = build.generate()["drilldown.json"]
    outcomes = {o.panel: o for o in verify.run_dashboard(board, run, time_range)}
    geomap = outcomes["Gateway sites"]
    assert {FIELD_LAT, FIELD_LON, FIELD_ONLINE} <= set(geomap.columns)
    rows = [row for result in run(geomap.query)["results"] for s in result["series"] for row in s["values"]]
    with_coordinates = [row for row in rows if row[1] is not None]
    assert 0 < len(with_coordinates) < len(rows)  # sites without registered coordinates stay off the map
    compliance = run(outcomes["SLA compliance"].query)["results"][0]["series"][0]["values"][0][1]
    assert 0 < compliance < 100  # the test data violates some bounds, not all
