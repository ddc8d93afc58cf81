"""Use-case service functions: a Session and plain arguments in, ORM objects out; no commits, no HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session, contains_eager

from registry.audit.service import SYSTEM, Actor, changes, record, snapshot
from registry.enterprises.models import Enterprise
from registry.enums import LifecycleStage, NetworkMode, ReviewStatus
from registry.errors import Conflict, FieldInvalid, NotFound
from registry.gateways.models import Gateway
from registry.pagination import PageRequest, fetch_page
from registry.scenarios.models import Scenario
from registry.usecases.models import UseCase
from registry.usecases.schemas import UseCaseCreate, UseCaseUpdate
from registry.usecases.search import text_match


@dataclass(frozen=True)
class UseCaseFilters:
    city: str | None = None
    province: str | None = None
    industry: str | None = None
    industry_code: str | None = None
    scenario: str | None = None
    stage: LifecycleStage | None = None
    review_status: ReviewStatus | None = None
    network_mode: NetworkMode | None = None
    enterprise_id: int | None = None
    q: str | None = None
    # Anonymous callers see approved use cases only, whatever review_status they ask for.
    approved_only: bool = False


def _conditions(session: Session, filters: UseCaseFilters) -> tuple[list[ColumnElement[bool]], bool]:
    """The WHERE conditions for the filters, and whether they need the enterprises joined."""
    enterprise_values = [(Enterprise.city, filters.city), (Enterprise.province, filters.province)]
    enterprise_values.append((Enterprise.industry, filters.industry))
    enterprise_values.append((Enterprise.industry_code, filters.industry_code))
    use_case_values: list[tuple[Any, Any]] = [
        (UseCase.scenario_key, filters.scenario),
        (UseCase.stage, filters.stage),
        (UseCase.review_status, ReviewStatus.approved if filters.approved_only else filters.review_status),
        (UseCase.network_mode, filters.network_mode),
        (UseCase.enterprise_id, filters.enterprise_id),
    ]
    conditions = [column == value for column, value in use_case_values if value is not None and value != ""]
    if filters.approved_only and filters.review_status not in (None, ReviewStatus.approved):
        conditions.append(false())  # anonymous callers asking for unapproved use cases get none
    enterprise_conditions = [column == value for column, value in enterprise_values if value]
    needs_join = bool(enterprise_conditions)
    if filters.q and filters.q.strip():
        conditions.append(text_match(session, filters.q, filters_enterprises=needs_join))
    return conditions + enterprise_conditions, needs_join


def filtered_query(session: Session, filters: UseCaseFilters) -> Select[tuple[UseCase]]:
    """Use cases (with their enterprise loaded) matching every given filter, newest first."""
    conditions, _ = _conditions(session, filters)
    stmt = select(UseCase).join(UseCase.enterprise).options(contains_eager(UseCase.enterprise))
    return stmt.where(*conditions).order_by(UseCase.id.desc())


def count_query(session: Session, filters: UseCaseFilters) -> Select[tuple[int]]:
    """COUNT of the same rows, joining the enterprises only when a condition needs them: counting then
    reads one index instead of looking up every row's enterprise."""
    conditions, needs_join = _conditions(session, filters)
    stmt = select(func.count()).select_from(UseCase)
    if needs_join:
        stmt = stmt.join(UseCase.enterprise)
    return stmt.where(*conditions)


def list_use_cases(session: Session, filters: UseCaseFilters, page: PageRequest) -> tuple[list[UseCase], int]:
    return fetch_page(session, filtered_query(session, filters), page, count_query(session, filters))


def iter_use_cases(session: Session, filters: UseCaseFilters) -> Iterator[UseCase]:
    """Every matching use case (exports), fetched in batches."""
    yield from session.scalars(filtered_query(session, filters).execution_options(yield_per=500))


def get_use_case(session: Session, use_case_id: int, *, approved_only: bool = False) -> UseCase:
    use_case = session.get(UseCase, use_case_id)
    # Not revealing that an unapproved use case exists: anonymous callers get the same 404.
    if use_case is None or (approved_only and use_case.review_status != ReviewStatus.approved):
        raise NotFound("use case", use_case_id)
    return use_case


def _check_references(session: Session, values: dict[str, Any]) -> None:
    if "enterprise_id" in values and session.get(Enterprise, values["enterprise_id"]) is None:
        raise FieldInvalid("enterprise_id", f"no enterprise with id {values['enterprise_id']}")
    if "scenario" in values and session.get(Scenario, values["scenario"]) is None:
        known = ", ".join(session.scalars(select(Scenario.key).order_by(Scenario.key)))
        raise FieldInvalid("scenario", f"unknown scenario {values['scenario']!r}; known: {known}")


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """Schema field names -> column names (the API calls the scenario key `scenario`)."""
    if "scenario" in values:
        values = {**values, "scenario_key": values["scenario"]}
        del values["scenario"]
    return values


def create_use_case(
    session: Session, data: UseCaseCreate, *, seed_key: str | None = None, actor: Actor = SYSTEM
) -> UseCase:
    values = data.model_dump()
    _check_references(session, values)
    use_case = UseCase(**_columns(values), seed_key=seed_key)
    session.add(use_case)
    session.flush()
    detail = {"title": use_case.title, "review_status": use_case.review_status.value, "stage": use_case.stage.value}
    _record(session, actor, "usecase.create", use_case, detail)
    return use_case


# What an update's audit events are split by: the review decision, the lifecycle stage, and the content.
REVIEW_FIELDS = ("review_status", "reviewer_note")
REVIEW_DECISION = "usecase.review"  # the action of a staff decision (recorded even when only the note changes)
STAGE_FIELDS = ("stage",)


def _record(session: Session, actor: Actor, action: str, use_case: UseCase, detail: dict[str, Any]) -> None:
    record(session, actor, action, "usecase", use_case.id, enterprise_id=use_case.enterprise_id, detail=detail)


def _record_update(
    session: Session,
    actor: Actor,
    use_case: UseCase,
    diff: dict[str, list[Any]],
    review_action: str | None,
) -> None:
    """One event per kind of change: "usecase.submit" (back to review) or "usecase.review" (a decision) with
    from -> to and the note, "usecase.stage" (from -> to), "usecase.update" (the content fields changed)."""
    review = {key: diff.pop(key) for key in REVIEW_FIELDS if key in diff}
    stage = {key: diff.pop(key) for key in STAGE_FIELDS if key in diff}
    if review or review_action:
        status = use_case.review_status.value
        action = review_action or ("usecase.submit" if status == ReviewStatus.submitted else REVIEW_DECISION)
        detail = {"review_status": review.get("review_status", [status, status]), "note": use_case.reviewer_note}
        _record(session, actor, action, use_case, detail)
    if stage:
        _record(session, actor, "usecase.stage", use_case, stage)
    if diff:
        _record(session, actor, "usecase.update", use_case, diff)


def update_use_case(
    session: Session, use_case_id: int, data: UseCaseUpdate, *, actor: Actor = SYSTEM, review_action: str | None = None
) -> UseCase:
    use_case = get_use_case(session, use_case_id)
    updates = data.changes()
    _check_references(session, updates)
    start = updates.get("start_date", use_case.start_date)
    end = updates.get("end_date", use_case.end_date)
    if start is not None and end is not None and end < start:
        raise FieldInvalid("end_date", f"end_date {end} is before start_date {start}")
    columns = _columns(updates)
    before = snapshot(use_case, columns)
    for key, value in columns.items():
        setattr(use_case, key, value)
    session.flush()
    _record_update(session, actor, use_case, changes(before, snapshot(use_case, columns)), review_action)
    return use_case


def propose_revision(session: Session, use_case_id: int, data: UseCaseUpdate, *, actor: Actor = SYSTEM) -> UseCase:
    """An owner's edit of an approved use case: checked now, kept beside the live approved version until staff
    decide (`decide_revision`), so the case stays public and its gateways keep their state meanwhile."""
    use_case = get_use_case(session, use_case_id)
    updates = data.changes()
    _check_references(session, updates)
    exclude = {"review_status", "reviewer_note", "enterprise_id"}
    use_case.pending_revision = data.model_dump(mode="json", exclude_unset=True, exclude=exclude)
    session.flush()
    proposed = _columns(use_case.pending_revision)
    diff = changes(snapshot(use_case, proposed), proposed)
    _record(session, actor, "usecase.revision.propose", use_case, diff)
    return use_case


def decide_revision(
    session: Session, use_case_id: int, *, approve: bool, note: str | None, actor: Actor = SYSTEM
) -> UseCase:
    """Apply (approve) or drop (reject) the pending revision; either way the case stays approved, with the note."""
    use_case = get_use_case(session, use_case_id)
    revision, use_case.pending_revision = use_case.pending_revision or {}, None
    updates = {**revision, "reviewer_note": note} if approve else {"reviewer_note": note}
    action = "usecase.revision.approve" if approve else "usecase.revision.reject"
    return update_use_case(
        session, use_case_id, UseCaseUpdate.model_validate(updates), actor=actor, review_action=action
    )


def delete_use_case(session: Session, use_case_id: int, *, actor: Actor = SYSTEM) -> None:
    use_case = get_use_case(session, use_case_id)
    if session.scalar(select(Gateway.id).where(Gateway.use_case_id == use_case_id).limit(1)) is not None:
        raise Conflict(f"use case {use_case_id} still has gateways; delete them first")
    _record(session, actor, "usecase.delete", use_case, {"title": use_case.title})
    session.delete(use_case)
    session.flush()
