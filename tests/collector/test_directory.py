"""GatewayDirectory's forced refreshes (collector/enrich.py): a gateway registered a moment ago is found
without losing its first samples, bursts of new gateways cost one fetch, a still-unknown gateway does not
make every message fetch again. The fetch is a plain function returning what the registry would.
(End to end against the real registry: tests/collector/test_registry.py.)"""

from __future__ import annotations

import time
from pathlib import Path

from collector.enrich import FORCED_REFRESH_GAP_S, GatewayDirectory


class Registry:
    def __init__(self, *gateways: str) -> None:
        self.gateways = list(gateways)
        self.fetches: list[float] = []

    def fetch(self) -> dict:
        self.fetches.append(time.monotonic())
        return {"gateways": [{"id": gw, "scenario": "agv", "use_case_id": 1} for gw in self.gateways]}


def directory(registry: Registry, tmp_path: Path, forced_min_s: float = 60.0) -> GatewayDirectory:
    found = GatewayDirectory(
        registry.fetch, tmp_path / "directory.json", refresh_s=3600, forced_refresh_min_s=forced_min_s
    )
    assert found.refresh()
    return found


def test_gateways_registered_right_after_the_first_fetch_are_found_not_dead_lettered(tmp_path: Path) -> None:
    registry = Registry("gw-old")
    gateways = directory(registry, tmp_path)
    registry.gateways += [f"gw-new-{i}" for i in range(35)]  # the local stack registers its fleet now
    started = time.monotonic()
    assert all(gateways.lookup(f"gw-new-{i}") is not None for i in range(35))
    assert len(registry.fetches) == 2  # one forced refresh for the whole burst
    assert registry.fetches[1] - registry.fetches[0] >= FORCED_REFRESH_GAP_S * 0.99
    assert time.monotonic() - started < FORCED_REFRESH_GAP_S + 0.5


def test_an_unknown_gateway_costs_one_fetch_per_window(tmp_path: Path) -> None:
    registry = Registry("gw-old")
    gateways = directory(registry, tmp_path, forced_min_s=60.0)
    assert gateways.lookup("gw-ghost") is None
    assert len(registry.fetches) == 2
    started = time.monotonic()
    for _ in range(100):
        assert gateways.lookup("gw-ghost") is None
    assert len(registry.fetches) == 2 and time.monotonic() - started < 0.1  # no waiting, no fetching
    registry.gateways.append("gw-ghost")  # registered later: found once its window has passed
    gateways._missed["gw-ghost"] -= 60.0
    time.sleep(FORCED_REFRESH_GAP_S)  # a later miss refreshes only when that needs no waiting
    assert gateways.lookup("gw-ghost") is not None
    assert len(registry.fetches) == 3


def test_registry_down_unknown_gateway_is_none_and_known_ones_still_serve(tmp_path: Path) -> None:
    registry = Registry("gw-old")
    gateways = directory(registry, tmp_path)

    def down() -> dict:
        raise ConnectionError("registry down")

    gateways._fetch = down
    assert gateways.lookup("gw-new") is None
    assert gateways.lookup("gw-old") is not None
    assert gateways.last_error is not None and "registry down" in gateways.last_error


def test_gateways_that_stay_unknown_never_make_the_writer_wait_again(tmp_path: Path) -> None:
    registry = Registry("gw-old")
    gateways = directory(registry, tmp_path, forced_min_s=2.0)  # a ghost may refresh again every 2 s
    ghosts = [f"gw-deleted-{i}" for i in range(3)]
    for ghost in ghosts:  # first appearances: each may wait for the gap once
        assert gateways.lookup(ghost) is None
    started = time.monotonic()
    while time.monotonic() - started < 3.0:  # past every ghost's window: they may refresh, never wait
        before = time.monotonic()
        for ghost in ghosts:
            assert gateways.lookup(ghost) is None
        assert time.monotonic() - before < 0.5
    assert len(registry.fetches) <= 2 + len(ghosts) + 3  # first appearances, then at most one per gap
