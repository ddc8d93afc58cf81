"""Enterprise service functions: take a Session and plain arguments, never commit (the caller's transaction
does), raise registry.errors on bad requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Exists, Select, exists, or_, select
from sqlalchemy.orm import Session

from registry.enterprises import industry_class
from registry.enterprises.models import Enterprise
from registry.enterprises.schemas import EnterpriseCreate, EnterpriseUpdate
from registry.enums import ReviewStatus
from registry.errors import Conflict, NotFound
from registry.fields import name_key
from registry.like import like_pattern
from registry.pagination import PageRequest, fetch_page
from registry.usecases.models import UseCase


@dataclass(frozen=True)
class EnterpriseFilters:
    city: str | None = None
    province: str | None = None
    industry: str | None = None
    industry_code: str | None = None
    q: str | None = None
    # Anonymous callers: only enterprises with at least one approved use case (one that only signed up is
    # nobody's business but staff's).
    public_only: bool = False


def _has_approved_use_case(enterprise_id: Any) -> Exists:
    """`enterprise_id`: a column (correlated, in a listing) or a value."""
    return exists().where(UseCase.enterprise_id == enterprise_id, UseCase.review_status == ReviewStatus.approved)


def _filtered(filters: EnterpriseFilters) -> Select[tuple[Enterprise]]:
    stmt = select(Enterprise)
    if filters.public_only:
        stmt = stmt.where(_has_approved_use_case(Enterprise.id))
    for column, value in (
        (Enterprise.city, filters.city),
        (Enterprise.province, filters.province),
        (Enterprise.industry, filters.industry),
        (Enterprise.industry_code, filters.industry_code),
    ):
        if value:
            stmt = stmt.where(column == value)
    if filters.q:
        pattern = like_pattern(filters.q)
        stmt = stmt.where(
            or_(Enterprise.name.ilike(pattern, escape="\\"), Enterprise.name_en.ilike(pattern, escape="\\"))
        )
    return stmt


def list_enterprises(session: Session, filters: EnterpriseFilters, page: PageRequest) -> tuple[list[Enterprise], int]:
    return fetch_page(session, _filtered(filters).order_by(Enterprise.name, Enterprise.id), page)


def get_enterprise(session: Session, enterprise_id: int, *, public_only: bool = False) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or (public_only and not session.scalar(select(_has_approved_use_case(enterprise_id)))):
        raise NotFound("enterprise", enterprise_id)
    return enterprise


def _check_unique(session: Session, name: str | None, credit_code: str | None, exclude_id: int | None) -> None:
    if name is not None:
        other = session.scalar(select(Enterprise.id).where(Enterprise.name_key == name_key(name)))
        if other is not None and other != exclude_id:
            raise Conflict(f"an enterprise named {name!r} already exists (id {other})")
    if credit_code is not None:
        other = session.scalar(select(Enterprise.id).where(Enterprise.credit_code == credit_code))
        if other is not None and other != exclude_id:
            raise Conflict(f"credit code {credit_code} already belongs to enterprise id {other}")


def create_enterprise(session: Session, data: EnterpriseCreate, *, seed_key: str | None = None) -> Enterprise:
    _check_unique(session, data.name, data.credit_code, None)
    values = data.model_dump()
    values["industry_code"] = values["industry_code"] or industry_class.code_for_wording(data.industry)
    enterprise = Enterprise(**values, seed_key=seed_key)
    session.add(enterprise)
    session.flush()
    return enterprise


def update_enterprise(session: Session, enterprise_id: int, data: EnterpriseUpdate) -> Enterprise:
    enterprise = get_enterprise(session, enterprise_id)
    changes = data.changes()
    _check_unique(session, changes.get("name"), changes.get("credit_code"), enterprise_id)
    for key, value in changes.items():
        setattr(enterprise, key, value)
    session.flush()
    return enterprise


def delete_enterprise(session: Session, enterprise_id: int) -> None:
    enterprise = get_enterprise(session, enterprise_id)
    used = session.scalar(select(UseCase.id).where(UseCase.enterprise_id == enterprise_id).limit(1))
    if used is not None:
        raise Conflict(f"enterprise {enterprise_id} still has use cases; delete them first")
    session.delete(enterprise)
    session.flush()
