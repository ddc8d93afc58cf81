"""Schema of the seed catalog (seeds/*.yaml) and its validation.

Importable without a database: only pydantic, PyYAML, i5g.scenarios and the registry's enumerations. Each
YAML file holds one or more top-level lists (documents, cities, figures, enterprises, use_cases); all files of
the directory together form one `Catalog`. Every problem is reported at once, each naming the file, the
record key (or index) and the field, e.g.

    seeds/usecases.yaml: use_cases[3] (key 'x'): scenario: unknown scenario 'foo'; known: agv, ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from i5g import scenarios
from registry.enterprises import industry_class
from registry.enums import LifecycleStage, NetworkMode, Operator
from registry.fields import name_key, name_text

SeedKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,198}[a-z0-9]$")]
# Excerpts are quoted character for character from the source; surrounding whitespace would never match.
Excerpt = Annotated[str, StringConstraints(min_length=2, max_length=500, strip_whitespace=False)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class CatalogError(Exception):
    """The catalog is malformed; `problems` lists every problem (file, record, field, what)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: SeedKey
    source: Text
    excerpt: Excerpt

    @field_validator("excerpt")
    @classmethod
    def _excerpt_is_text(cls, value: str) -> str:
        if value != value.strip() or not value.strip():
            raise ValueError("excerpt must be non-empty text without leading or trailing whitespace")
        return value


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: Annotated[str, StringConstraints(pattern=r"^[\w.-]+\.txt$")]
    city: SeedKey
    issuer: Text
    title: Text
    reference: str | None = None
    date: dt.date
    excerpt: Excerpt


class City(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: SeedKey
    name: Text
    name_en: Text
    province: Text


class Figure(_Record):
    city: SeedKey
    kind: Literal["actual", "target", "plan", "policy"]
    metric: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,80}$")]
    value: float
    unit: str = ""
    year: int | None = Field(default=None, ge=2000, le=2100)
    as_of: dt.date | None = None
    description: Text


class Enterprise(_Record):
    name: name_text(200)
    name_en: str | None = None
    aliases: tuple[str, ...] = ()
    city: SeedKey
    industry: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    industry_basis: Literal["stated", "inferred"]
    # Required, but may be null: leaving an enterprise unclassified must be a visible choice in the seed file.
    industry_code: str | None

    @field_validator("industry_code")
    @classmethod
    def _known_division(cls, value: str | None) -> str | None:
        if value is not None and (problem := industry_class.code_problem(value)):
            raise ValueError(problem)
        return value

    role: str | None = None


class UseCase(_Record):
    enterprise: SeedKey
    title: Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
    scenario: str
    scenario_basis: Literal["stated", "inferred"]
    scenario_note: str | None = None
    description: Text
    stage: LifecycleStage
    network_mode: NetworkMode | None = None
    operators: tuple[Operator, ...] = ()
    recognitions: tuple[Annotated[str, StringConstraints(min_length=1, max_length=200)], ...] = ()
    extra_excerpts: tuple[Excerpt, ...] = ()

    @field_validator("scenario")
    @classmethod
    def _scenario_exists(cls, value: str) -> str:
        scenarios.get(value)  # KeyError names the known keys
        return value

    @field_validator("scenario_note")
    @classmethod
    def _note_text(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


# Top-level list name in a YAML file -> record model.
KINDS: dict[str, type[BaseModel]] = {
    "documents": Document,
    "cities": City,
    "figures": Figure,
    "enterprises": Enterprise,
    "use_cases": UseCase,
}


@dataclass
class Catalog:
    documents: dict[str, Document] = field(default_factory=dict)  # by file name
    cities: dict[str, City] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    use_cases: dict[str, UseCase] = field(default_factory=dict)
    # Which YAML file each record came from, for progress lines: (kind, key) -> file.
    origin: dict[tuple[str, str], str] = field(default_factory=dict)

    def count(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in KINDS}

    def excerpts(self) -> Iterable[tuple[str, str, str, str]]:
        """(kind, key, source file, excerpt) for every excerpt in the catalog: what the tests check."""
        for file, document in self.documents.items():
            yield "documents", file, file, document.excerpt
        for kind in ("figures", "enterprises", "use_cases"):
            for key, record in getattr(self, kind).items():
                yield kind, key, record.source, record.excerpt
                for extra in getattr(record, "extra_excerpts", ()):
                    yield kind, key, record.source, extra


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "record"
    message = error["msg"]
    if error["type"] == "value_error" and message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return f"{where}: {message}"


def _record_label(kind: str, index: int, raw: Any) -> str:
    key = raw.get("key") or raw.get("file") if isinstance(raw, dict) else None
    return f"{kind}[{index}] (key {key!r})" if key else f"{kind}[{index}]"


def _parse_file(path: Path, catalog: Catalog, problems: list[str]) -> None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path}: cannot read YAML: {exc}")
        return
    if data is None:
        return
    if not isinstance(data, dict):
        problems.append(f"{path}: top level must be a mapping of {', '.join(KINDS)}")
        return
    for kind, items in data.items():
        model = KINDS.get(kind)
        if model is None:
            problems.append(f"{path}: unknown section {kind!r}; expected one of {', '.join(KINDS)}")
            continue
        if not isinstance(items, list):
            problems.append(f"{path}: {kind} must be a list")
            continue
        target: dict[str, Any] = getattr(catalog, kind)
        for index, raw in enumerate(items):
            label = _record_label(kind, index, raw)
            try:
                record = model.model_validate(raw)
            except ValidationError as exc:
                problems.extend(f"{path}: {label}: {_describe(error)}" for error in exc.errors())
                continue
            except KeyError as exc:  # unknown scenario, raised by scenarios.get inside a validator
                problems.append(f"{path}: {label}: scenario: {exc.args[0]}")
                continue
            key = record.file if isinstance(record, Document) else record.key  # type: ignore[attr-defined]
            if key in target:
                first = catalog.origin[(kind, key)]
                problems.append(f"{path}: {label}: duplicate key (first defined in {first})")
                continue
            target[key] = record
            catalog.origin[(kind, key)] = str(path)


def _check_references(catalog: Catalog, problems: list[str]) -> None:
    def where(kind: str, key: str) -> str:
        return f"{catalog.origin[(kind, key)]}: {kind} (key {key!r})"

    for file, document in catalog.documents.items():
        if document.city not in catalog.cities:
            problems.append(f"{where('documents', file)}: city: unknown city {document.city!r}")
    for kind in ("figures", "enterprises", "use_cases"):
        for key, record in getattr(catalog, kind).items():
            if record.source not in catalog.documents:
                problems.append(f"{where(kind, key)}: source: {record.source!r} is not a listed document")
            city = getattr(record, "city", None)
            if city is not None and city not in catalog.cities:
                problems.append(f"{where(kind, key)}: city: unknown city {city!r}")
    for key, use_case in catalog.use_cases.items():
        if use_case.enterprise not in catalog.enterprises:
            problems.append(f"{where('use_cases', key)}: enterprise: unknown enterprise {use_case.enterprise!r}")
    names: dict[str, str] = {}  # name_key -> seed key: names that differ only invisibly are the same name
    for key, enterprise in catalog.enterprises.items():
        if name_key(enterprise.name) in names:
            other = names[name_key(enterprise.name)]
            problems.append(f"{where('enterprises', key)}: name: {enterprise.name!r} also used by {other!r}")
        names[name_key(enterprise.name)] = key


def load_catalog_dir(seeds_dir: str | Path) -> Catalog:
    """Read and validate every *.yaml / *.yml file of `seeds_dir` (sorted by name); CatalogError lists every
    problem found."""
    directory = Path(seeds_dir)
    if not directory.is_dir():
        raise CatalogError([f"{directory}: seeds directory not found"])
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise CatalogError([f"{directory}: no *.yaml files"])
    catalog = Catalog()
    problems: list[str] = []
    for path in files:
        _parse_file(path, catalog, problems)
    if not problems:
        _check_references(catalog, problems)
    if problems:
        raise CatalogError(problems)
    return catalog
