"""Load the seed catalog into the registry, idempotently: `i5g registry seed`.

Every seeded row carries the catalog record's key in `seed_key`; a run inserts records whose key is new,
updates rows whose seeded fields differ from the catalog, and leaves equal rows alone, so running twice
changes nothing and an edited entry is updated in place. `load_catalog` is the service (it never commits);
`run_seed` is the command: validate first (a malformed catalog writes nothing), then one transaction.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import registry.models  # noqa: F401  (every mapped class, so relationships between them resolve)
from registry.cities.models import CityFigure
from registry.enterprises.models import Enterprise
from registry.enums import NetworkMode, ReviewStatus
from registry.fields import name_key
from registry.scenarios.service import sync_scenarios
from registry.seeding import schema
from registry.usecases.models import UseCase

# None of the documents states a network mode; the registry column is required, so seeded use cases get this
# value and their reviewer note says it is the registry default, not a fact from the source.
DEFAULT_NETWORK_MODE = NetworkMode.public_5g
# CityFigure has no kind column: targets and plans are told apart from actuals by a metric prefix.
METRIC_PREFIX = {"actual": "", "policy": "", "target": "target_", "plan": "plan_"}


@dataclass
class KindReport:
    kind: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Rows seeded earlier whose key is no longer in the catalog: reported, never deleted (a use case may have
    # gateways and telemetry by now; removing it is a reviewer's decision).
    stale: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def line(self, origin: str) -> str:
        return (
            f"{origin}: {self.total} {self.kind} - {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


@dataclass
class SeedReport:
    kinds: dict[str, KindReport] = field(default_factory=dict)
    scenarios_added: list[str] = field(default_factory=list)
    scenarios_updated: list[str] = field(default_factory=list)

    def kind(self, name: str) -> KindReport:
        return self.kinds.setdefault(name, KindReport(name))

    @property
    def changed(self) -> int:
        return sum(len(k.added) + len(k.updated) for k in self.kinds.values())

    def summary(self) -> str:
        added = sum(len(k.added) for k in self.kinds.values())
        updated = sum(len(k.updated) for k in self.kinds.values())
        unchanged = sum(len(k.unchanged) for k in self.kinds.values())
        stale = [key for k in self.kinds.values() for key in k.stale]
        text = f"seed: {added} added, {updated} updated, {unchanged} unchanged"
        if stale:
            text += f"; {len(stale)} seeded rows no longer in the catalog, left in place: {', '.join(stale)}"
        return text


# ------------------------------------------------------------------------------------------------ values
# What each catalog record means for its registry row. Only these fields are compared and written, so a
# reviewer's later edit of a field the catalog does not set survives reseeding.


def _enterprise_values(catalog: schema.Catalog, record: schema.Enterprise) -> dict[str, Any]:
    city = catalog.cities[record.city]
    return {
        "name": record.name,
        "name_en": record.name_en,
        "city": city.name,
        "province": city.province,
        "industry": record.industry,
        "industry_code": record.industry_code,
    }


def _reviewer_note(catalog: schema.Catalog, record: schema.UseCase) -> str:
    document = catalog.documents[record.source]
    parts = [f"Seeded from {document.issuer} {document.date.isoformat()} ({record.source})."]
    if record.scenario_basis == "inferred":
        parts.append(f"Scenario inferred, not stated in the source: {record.scenario_note or ''}".strip())
    elif record.scenario_note:
        parts.append(f"Scenario: {record.scenario_note}")
    if record.network_mode is None:
        parts.append(f"Network mode not stated in the source; recorded as the registry default {DEFAULT_NETWORK_MODE}.")
    return " ".join(parts)


def _use_case_values(catalog: schema.Catalog, record: schema.UseCase, enterprise_id: int) -> dict[str, Any]:
    return {
        "enterprise_id": enterprise_id,
        "title": record.title,
        "scenario_key": record.scenario,
        "description": record.description,
        "network_mode": record.network_mode or DEFAULT_NETWORK_MODE,
        "operators": [str(o) for o in record.operators],
        "stage": record.stage,
        # From government documents: approved on arrival, no review queue.
        "review_status": ReviewStatus.approved,
        "reviewer_note": _reviewer_note(catalog, record),
        "recognitions": list(record.recognitions),
        "source_document": record.source,
        "source_excerpt": record.excerpt,
    }


def _figure_values(catalog: schema.Catalog, record: schema.Figure) -> dict[str, Any]:
    city = catalog.cities[record.city]
    return {
        "city": city.name,
        "province": city.province,
        "metric": METRIC_PREFIX[record.kind] + record.metric,
        "value": record.value,
        "unit": record.unit,
        "year": record.year,
        "as_of": record.as_of,
        "description": record.description,
        "source_document": record.source,
        "source_excerpt": record.excerpt,
    }


# ------------------------------------------------------------------------------------------------ upsert


def _upsert(
    session: Session,
    model: type[Any],
    report: KindReport,
    items: Iterable[tuple[str, dict[str, Any]]],
    adopt: Callable[[dict[str, Any]], Any] | None = None,
) -> dict[str, Any]:
    """Insert or update one row per (seed_key, values); returns the rows by seed key.

    `adopt` finds an existing row without a seed key that must become this record's row (an enterprise
    registered by hand under the same unique name), instead of failing on the unique constraint.
    """
    items = list(items)
    keys = [key for key, _ in items]
    existing = {row.seed_key: row for row in session.scalars(select(model).where(model.seed_key.in_(keys)))}
    rows: dict[str, Any] = {}
    for key, values in items:
        row = existing.get(key)
        if row is None and adopt is not None:
            row = adopt(values)
            if row is not None:
                row.seed_key = key
        if row is None:
            row = model(seed_key=key, **values)
            session.add(row)
            report.added.append(key)
        elif row.seed_key != key or any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            report.updated.append(key)
        else:
            report.unchanged.append(key)
        rows[key] = row
    session.flush()  # ids for the use cases' foreign keys; constraint errors surface here, inside the run
    seeded = select(model.seed_key).where(model.seed_key.is_not(None), model.seed_key.not_in(keys))
    report.stale.extend(sorted(session.scalars(seeded)))
    return rows


def load_catalog(
    session: Session, catalog: schema.Catalog, progress: Callable[[str], None] | None = None
) -> SeedReport:
    """Upsert the whole catalog in `session` (the caller owns the transaction)."""
    report = SeedReport()
    synced = sync_scenarios(session)  # use cases reference scenario rows by foreign key
    report.scenarios_added, report.scenarios_updated = synced.added, synced.updated

    def adopt_enterprise(values: dict[str, Any]) -> Enterprise | None:
        unclaimed = select(Enterprise).where(
            Enterprise.name_key == name_key(values["name"]), Enterprise.seed_key.is_(None)
        )
        return session.scalar(unclaimed)

    enterprises = _upsert(
        session,
        Enterprise,
        report.kind("enterprises"),
        ((key, _enterprise_values(catalog, record)) for key, record in catalog.enterprises.items()),
        adopt=adopt_enterprise,
    )
    _upsert(
        session,
        UseCase,
        report.kind("use_cases"),
        (
            (key, _use_case_values(catalog, record, enterprises[record.enterprise].id))
            for key, record in catalog.use_cases.items()
        ),
    )
    _upsert(
        session,
        CityFigure,
        report.kind("figures"),
        ((key, _figure_values(catalog, record)) for key, record in catalog.figures.items()),
    )
    if progress is not None:
        for kind in ("enterprises", "use_cases", "figures"):
            _report_progress(catalog, report.kinds[kind], progress)
    return report


def _report_progress(catalog: schema.Catalog, kind_report: KindReport, progress: Callable[[str], None]) -> None:
    """One line per (file, kind), e.g. `seeds/usecases.yaml: 35 use_cases - 35 added, 0 updated, 0 unchanged`."""
    by_file: dict[str, KindReport] = {}
    for status in ("added", "updated", "unchanged"):
        for key in getattr(kind_report, status):
            origin = catalog.origin[(kind_report.kind, key)]
            getattr(by_file.setdefault(origin, KindReport(kind_report.kind)), status).append(key)
    for origin, part in sorted(by_file.items()):
        progress(part.line(origin))
        for key in part.added:
            progress(f"  + {key}")
        for key in part.updated:
            progress(f"  ~ {key}")


# ------------------------------------------------------------------------------------------------ command


def run_seed(args: argparse.Namespace) -> int:
    """`i5g registry seed [--seeds-dir DIR] [--dry-run]`: validate, migrate, load in one transaction."""
    from i5g.cli import CommandError, load_settings
    from registry.db import make_engine, make_sessionmaker
    from registry.schema import prepare_database
    from registry.seeding import packaged_catalog_dir
    from registry.settings import RegistrySettings

    seeds_dir = getattr(args, "seeds_dir", None) or packaged_catalog_dir()
    dry_run = bool(getattr(args, "dry_run", False))
    try:
        catalog = schema.load_catalog_dir(seeds_dir)
    except schema.CatalogError as exc:
        detail = "\n  ".join(exc.problems)
        raise CommandError(f"the seed catalog in {seeds_dir} is invalid, nothing was written:\n  {detail}") from None
    counts = ", ".join(f"{n} {kind}" for kind, n in catalog.count().items())
    print(f"catalog {seeds_dir}: {counts} (valid)")
    settings = load_settings(RegistrySettings)
    if dry_run:
        _require_schema(settings.database_url)  # a dry run must not create the database either
    else:
        prepare_database(settings.database_url)
    engine = make_engine(settings.database_url)
    session = make_sessionmaker(engine)()
    try:
        report = load_catalog(session, catalog, progress=print)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception as exc:
        session.rollback()
        raise CommandError(f"seeding failed, nothing was written: {exc}") from exc
    finally:
        session.close()
        engine.dispose()
    print(report.summary() + (" (dry run: rolled back, nothing written)" if dry_run else ""))
    return 0


def _require_schema(url: str) -> None:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url

    from i5g.cli import CommandError

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").expanduser().is_file():
        raise CommandError(f"dry run: no database at {parsed.database}; run `i5g registry migrate` first")
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table(UseCase.__tablename__):
            raise CommandError("dry run: the database has no registry schema; run `i5g registry migrate` first")
    finally:
        engine.dispose()
