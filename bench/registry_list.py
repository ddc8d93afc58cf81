"""Registry listing speed: p99 of list + filter + search with 1k and 10k use cases, and the ratio 10k/1k.

    .venv/bin/python bench/registry_list.py [--sizes 1000 10000] [--repeat 100] [--postgres]

Each size gets a fresh migrated database (SQLite file in a temp dir; with --postgres also a throw-away
PostgreSQL server) filled with synthetic enterprises and use cases in Chinese, then runs a fixed mix of
queries through the same service function the API calls (`registry.usecases.service.list_use_cases`, page
of 20 with total count, plus building the response objects). Goal: p99 <= 50 ms on SQLite, and flat in
catalog size (ratio close to 1).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select, text

from registry.db import make_engine, make_sessionmaker, session_scope
from registry.enterprises.models import Enterprise
from registry.enums import LifecycleStage, NetworkMode, ReviewStatus
from registry.pagination import PageRequest
from registry.scenarios.models import Scenario
from registry.schema import prepare_database
from registry.usecases.models import UseCase
from registry.usecases.schemas import UseCaseOut
from registry.usecases.search import rebuild_index
from registry.usecases.service import UseCaseFilters, list_use_cases

CITIES = [("常州", "江苏"), ("苏州", "江苏"), ("无锡", "江苏"), ("宁波", "浙江"), ("佛山", "广东"), ("青岛", "山东")]
INDUSTRIES = ["钢铁", "光伏", "家电", "汽车", "化工", "纺织", "电子", "机械"]
WORDS = ["视觉质检", "无人天车", "远程操控", "数字孪生", "设备监测", "AGV调度", "预测维护", "全连接工厂", "巡检机器人"]

# The query mix: (label, filters). Anonymous callers (approved_only) are the common case on the public site.
QUERIES: list[tuple[str, UseCaseFilters]] = [
    ("list", UseCaseFilters(approved_only=True)),
    ("staff list", UseCaseFilters()),
    ("city", UseCaseFilters(city="常州", approved_only=True)),
    ("scenario+stage", UseCaseFilters(scenario="machine_vision", stage=LifecycleStage.operating)),
    ("province+industry", UseCaseFilters(province="江苏", industry="钢铁", approved_only=True)),
    ("q zh 2 chars", UseCaseFilters(q="孪生", approved_only=True)),
    ("q zh enterprise", UseCaseFilters(q="企业17号", approved_only=True)),
    ("q latin", UseCaseFilters(q="steel", approved_only=True)),
    ("q + city", UseCaseFilters(q="质检", city="苏州")),
    ("q rare", UseCaseFilters(q="独一无二", approved_only=True)),
]


def fill(url: str, n_use_cases: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            scenarios = list(session.scalars(select(Scenario.key)))
            n_enterprises = max(10, n_use_cases // 5)
            enterprise_rows = []
            for i in range(n_enterprises):
                city, province = rng.choice(CITIES)
                enterprise_rows.append(
                    {
                        "name": f"{city}企业{i}号有限公司",
                        "name_en": f"{rng.choice(['Steel', 'Solar', 'Motor', 'Chem'])} Works {i}",
                        "city": city,
                        "province": province,
                        "industry": rng.choice(INDUSTRIES),
                    }
                )
            session.execute(insert(Enterprise), enterprise_rows)
            enterprise_ids = list(session.scalars(select(Enterprise.id)))
            rows = []
            for i in range(n_use_cases):
                word = rng.choice(WORDS)
                rows.append(
                    {
                        "enterprise_id": rng.choice(enterprise_ids),
                        "title": f"5G+{word}项目{i}",
                        "scenario_key": rng.choice(scenarios),
                        "description": f"利用5G专网实现{word}，" + "提升生产效率与安全水平。" * rng.randint(2, 8),
                        "network_mode": rng.choice(list(NetworkMode)),
                        "operators": [rng.choice(["china_mobile", "china_unicom", "china_telecom"])],
                        "stage": rng.choice(list(LifecycleStage)),
                        "review_status": rng.choices(list(ReviewStatus), weights=[1, 8, 1])[0],
                        "recognitions": [],
                    }
                )
            for start in range(0, len(rows), 2000):
                session.execute(insert(UseCase), rows[start : start + 2000])
            rebuild_index(session.connection())  # Core inserts bypass the ORM hook that keeps it current
        with engine.connect() as connection:
            # Fresh statistics, as PostgreSQL's autovacuum (and SQLite's optimize) would gather in production.
            connection.execute(text("ANALYZE"))
            connection.commit()
    finally:
        engine.dispose()


def measure(url: str, repeat: int) -> tuple[list[float], dict[str, float]]:
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    samples: list[float] = []
    per_query: dict[str, list[float]] = {label: [] for label, _ in QUERIES}
    try:
        for round_no in range(repeat + 3):
            for label, filters in QUERIES:
                page = PageRequest(page=1 + round_no % 3, page_size=20)
                started = time.perf_counter()
                with session_scope(factory) as session:
                    rows, _total = list_use_cases(session, filters, page)
                    [UseCaseOut.model_validate(row) for row in rows]
                elapsed = (time.perf_counter() - started) * 1000
                if round_no >= 3:  # warm-up rounds are not counted
                    samples.append(elapsed)
                    per_query[label].append(elapsed)
    finally:
        engine.dispose()
    return samples, {label: p99(values) for label, values in per_query.items()}


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98] if len(values) > 1 else values[0]


def run(kind: str, url_for, sizes: list[int], repeat: int) -> dict[int, float]:
    results: dict[int, float] = {}
    for size in sizes:
        url = url_for(size)
        prepare_database(url)
        started = time.perf_counter()
        fill(url, size)
        fill_s = time.perf_counter() - started
        samples, by_query = measure(url, repeat)
        results[size] = p99(samples)
        worst = max(by_query, key=by_query.get)
        print(
            f"{kind:10} {size:>6} use cases: p99 {results[size]:6.2f} ms  median {statistics.median(samples):6.2f} ms"
            f"  (slowest query: {worst} {by_query[worst]:.2f} ms; fill {fill_s:.1f} s)"
        )
        for label, value in by_query.items():
            print(f"{'':10}   {label:18} p99 {value:6.2f} ms")
    if len(sizes) >= 2:
        base, top = sizes[0], sizes[-1]
        print(f"{kind:10} ratio p99 {top}/{base}: {results[top] / results[base]:.2f}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=100, help="rounds of the query mix per size")
    parser.add_argument("--postgres", action="store_true", help="also run on a throw-away PostgreSQL server")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="i5g-bench-") as tmp:
        sqlite = run("sqlite", lambda size: f"sqlite:///{Path(tmp) / f'registry-{size}.db'}", args.sizes, args.repeat)
        goal_ok = max(sqlite.values()) <= 50
        if args.postgres:
            from devstack.postgres import PostgresServer

            server = PostgresServer().start()
            try:
                run("postgresql", lambda size: server.create_database(f"bench_{size}"), args.sizes, args.repeat)
            finally:
                server.stop()
    print(f"goal p99 <= 50 ms on SQLite: {'met' if goal_ok else 'NOT met'}")
    return 0 if goal_ok else 1


if __name__ == "__main__":
    sys.exit(main())
