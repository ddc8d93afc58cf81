"""Claims: finding the registered enterprise a newcomer means, requesting it, and the staff decision.

Rules (issue 19): only an enterprise without accounts can be claimed; a claim is decided by staff only; an
approved claim attaches the claimant's account to the claimed enterprise and never creates a second one. A
claim made from an existing account merges the enterprise that account signed up with (its provisional
duplicate: its only account is the claimant's, it is not a catalog record) into the claimed one: its use cases
(with their gateways) move over, empty details are filled in, and the duplicate is deleted. Service functions
never commit (the request edge does); every change is recorded in the audit trail in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from registry.accounts.models import User, UserRole
from registry.accounts.service import add_user, find_by_email, record_account
from registry.audit.service import SYSTEM, Actor, record
from registry.claims.models import ClaimStatus, EnterpriseClaim
from registry.db import utcnow
from registry.enterprises.models import Enterprise
from registry.enterprises.service import delete_enterprise
from registry.errors import Conflict, NotFound
from registry.fields import name_key
from registry.pagination import PageRequest, fetch_page
from registry.usecases.models import UseCase

# Anyone may ask (at sign-up, before having an account): a bound on what one enterprise can be buried under.
PENDING_PER_ENTERPRISE_MAX = 5
# Details of the duplicate that fill the claimed enterprise's empty ones on a merge.
FILLED_ON_MERGE = ("name_en", "credit_code", "contact", "industry_code")


def find_enterprise(session: Session, name: str | None, credit_code: str | None) -> Enterprise | None:
    """The registered enterprise with this name (compared normalised, registry.fields.name_key) or this exact
    unified social credit code; None when neither matches. Nothing fuzzy: a claimant must know either."""
    if name and name.strip():
        found = session.scalar(select(Enterprise).where(Enterprise.name_key == name_key(name)))
        if found is not None:
            return found
    if credit_code:
        return session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))
    return None


def is_owned(session: Session, enterprise_id: int) -> bool:
    """Whether any account belongs to the enterprise (then its own people add colleagues, not a claim)."""
    return session.scalar(select(User.id).where(User.enterprise_id == enterprise_id).limit(1)) is not None


@dataclass(frozen=True)
class ClaimRequest:
    email: str  # normalised
    credit_code: str | None = None
    contact: str | None = None
    message: str = ""
    user: User | None = None  # claimed from this account
    password_hash: str | None = None  # claimed at sign-up: the account to create on approval


def _check_claimable(session: Session, enterprise: Enterprise, user: User | None) -> None:
    if is_owned(session, enterprise.id):
        raise Conflict("this enterprise already has accounts: ask its people to add you, or the registry staff")
    if user is not None:
        _check_mergeable(session, user)


def _check_mergeable(session: Session, user: User) -> None:
    """A claim from an account merges the account's enterprise away: only a duplicate of its own making."""
    if not user.is_enterprise or user.enterprise is None:
        raise Conflict("only an enterprise account can claim an enterprise")
    if user.enterprise.seed_key is not None:
        raise Conflict("your enterprise is a catalog record itself: ask the registry staff to merge it")
    others = select(func.count()).select_from(User).where(User.enterprise_id == user.enterprise_id)
    if (session.scalar(others) or 0) > 1:
        raise Conflict("your enterprise has other accounts: ask the registry staff to merge it")


def request_claim(session: Session, enterprise: Enterprise, data: ClaimRequest, *, actor: Actor) -> EnterpriseClaim:
    _check_claimable(session, enterprise, data.user)
    pending = select(EnterpriseClaim.email).where(
        EnterpriseClaim.enterprise_id == enterprise.id, EnterpriseClaim.status == ClaimStatus.pending
    )
    waiting = list(session.scalars(pending))
    if data.email in waiting:
        raise Conflict("you have already asked to claim this enterprise; the registry staff will decide")
    if len(waiting) >= PENDING_PER_ENTERPRISE_MAX:
        raise Conflict("too many claims of this enterprise are waiting; please contact the registry staff")
    claim = EnterpriseClaim(
        enterprise_id=enterprise.id,
        email=data.email,
        user_id=data.user.id if data.user else None,
        password_hash=data.password_hash,
        credit_code=data.credit_code,
        contact=data.contact,
        message=data.message,
    )
    session.add(claim)
    session.flush()
    detail = {"enterprise": enterprise.name, "email": data.email, "from_account": data.user is not None}
    record(session, actor, "claim.request", "claim", claim.id, enterprise_id=enterprise.id, detail=detail)
    return claim


@dataclass(frozen=True)
class ClaimFilters:
    status: ClaimStatus | None = None
    email: str | None = None  # a claimant's own claims


def list_claims(session: Session, filters: ClaimFilters, page: PageRequest) -> tuple[list[EnterpriseClaim], int]:
    stmt = select(EnterpriseClaim)
    if filters.status is not None:
        stmt = stmt.where(EnterpriseClaim.status == filters.status)
    if filters.email is not None:
        stmt = stmt.where(EnterpriseClaim.email == filters.email)
    order = EnterpriseClaim.id if filters.status == ClaimStatus.pending else EnterpriseClaim.id.desc()
    return fetch_page(session, stmt.order_by(order), page)


def get_claim(session: Session, claim_id: int) -> EnterpriseClaim:
    claim = session.get(EnterpriseClaim, claim_id)
    if claim is None:
        raise NotFound("claim", claim_id)
    return claim


def decide_claim(
    session: Session, claim_id: int, *, approve: bool, note: str | None, actor: Actor = SYSTEM
) -> EnterpriseClaim:
    """Staff's decision (the callers check the role). Approving attaches the account; a claim decided already,
    or of an enterprise that has got accounts meanwhile, is a Conflict and changes nothing."""
    claim = get_claim(session, claim_id)
    if claim.status != ClaimStatus.pending:
        raise Conflict(f"claim {claim_id} is {claim.status.value} already")
    if approve:
        _check_claimable(session, claim.enterprise, claim.user)
        if claim.user is not None:
            _merge_account(session, claim.user, claim.enterprise, actor)
        else:
            if find_by_email(session, claim.email) is not None or claim.password_hash is None:
                raise Conflict(f"an account with the e-mail {claim.email} exists already: reject this claim")
            add_user(session, claim.email, claim.password_hash, UserRole.enterprise, claim.enterprise_id, actor=actor)
    claim.status = ClaimStatus.approved if approve else ClaimStatus.rejected
    claim.reviewer_note = note
    claim.decided_by = actor.name
    claim.decided_at = utcnow()
    claim.password_hash = None  # the account has it now, or nobody needs it
    session.flush()
    detail = {"enterprise": claim.enterprise.name, "email": claim.email, "note": note}
    action = "claim.approve" if approve else "claim.reject"
    record(session, actor, action, "claim", claim.id, enterprise_id=claim.enterprise_id, detail=detail)
    return claim


def _merge_account(session: Session, user: User, target: Enterprise, actor: Actor) -> None:
    """Move the claimant and everything of its provisional enterprise into `target`, then delete it."""
    provisional = user.enterprise
    assert provisional is not None  # _check_mergeable
    moved = list(session.scalars(select(UseCase).where(UseCase.enterprise_id == provisional.id)))
    session.execute(update(UseCase).where(UseCase.enterprise_id == provisional.id).values(enterprise_id=target.id))
    for use_case in moved:
        detail = {"enterprise_id": [provisional.id, target.id]}
        record(session, actor, "usecase.update", "usecase", use_case.id, enterprise_id=target.id, detail=detail)
    user.enterprise_id = target.id
    session.flush()
    session.expire_all()  # the moved use cases and the user's relationship are reloaded from the rows
    record_account(session, actor, "account.update", user, {"enterprise_id": [provisional.id, target.id]})
    filled = {name: getattr(provisional, name) for name in FILLED_ON_MERGE if getattr(target, name) is None}
    filled = {name: value for name, value in filled.items() if value is not None}
    merged = {"from_id": provisional.id, "from_name": provisional.name, "use_cases": [u.id for u in moved]}
    delete_enterprise(session, provisional.id, actor=actor)  # before its credit code moves (unique)
    for name, value in filled.items():
        setattr(target, name, value)
    session.flush()
    detail = {**merged, "filled": sorted(filled)}
    record(session, actor, "enterprise.merge", "enterprise", target.id, enterprise_id=target.id, detail=detail)
