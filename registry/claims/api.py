"""REST for claims: staff list and decide them with an API token; an enterprise user asks (and follows its own
claims) with the browser session and the `X-CSRF-Token` header, like the owner's gateway calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from registry.accounts.models import User
from registry.audit.service import Actor, token_actor
from registry.auth.browser import browser_user
from registry.auth.deps import StaffPrincipal
from registry.claims import service
from registry.claims.models import ClaimStatus
from registry.claims.schemas import ClaimCreate, ClaimDecision, ClaimMine, ClaimOut
from registry.db_session import SessionDep
from registry.errors import Conflict, Forbidden, NotFound
from registry.pagination import Page, PageRequest, page_of, page_request

router = APIRouter(prefix="/claims", tags=["claims"])


def claimant(request: Request, session: SessionDep) -> User:
    """The signed-in enterprise account making or following claims (API tokens are not claimants)."""
    current = browser_user(request, session, needs="an enterprise account")
    user = session.get(User, current.id)
    if user is None or not user.is_enterprise:
        raise Forbidden("only an enterprise account can claim an enterprise")
    return user


Claimant = Annotated[User, Depends(claimant)]


@router.get("", response_model=Page[ClaimOut], summary="Claims of registered enterprises (staff)")
def list_claims(
    session: SessionDep,
    _staff: StaffPrincipal,
    page: Annotated[PageRequest, Depends(page_request)],
    status: ClaimStatus | None = None,
) -> Page[ClaimOut]:
    rows, total = service.list_claims(session, service.ClaimFilters(status=status), page)
    return page_of(ClaimOut, rows, total, page)


@router.get("/mine", response_model=Page[ClaimMine], summary="The signed-in enterprise account's own claims")
def my_claims(
    session: SessionDep, user: Claimant, page: Annotated[PageRequest, Depends(page_request)]
) -> Page[ClaimMine]:
    rows, total = service.list_claims(session, service.ClaimFilters(email=user.email), page)
    return page_of(ClaimMine, rows, total, page)


@router.post(
    "",
    response_model=ClaimMine,
    status_code=status.HTTP_201_CREATED,
    summary="Ask to claim a registered enterprise that has no accounts (signed-in enterprise account)",
)
def request_claim(session: SessionDep, user: Claimant, body: ClaimCreate) -> ClaimMine:
    """On approval your account moves to the claimed enterprise and the enterprise you signed up with is merged
    into it (its use cases and gateways move over). Answers 404 when no registered enterprise has this name or
    credit code, 409 when it has accounts already."""
    enterprise = service.find_enterprise(session, body.name, body.credit_code)
    if enterprise is None:
        raise NotFound("enterprise", body.name or body.credit_code)
    if enterprise.id == user.enterprise_id:
        raise Conflict("this is your own enterprise already")
    data = service.ClaimRequest(
        email=user.email, credit_code=body.credit_code, contact=body.contact, message=body.message, user=user
    )
    claim = service.request_claim(session, enterprise, data, actor=Actor("user", user.email))
    return ClaimMine.model_validate(claim)


@router.get("/{claim_id}", response_model=ClaimOut, summary="One claim (staff)")
def get_claim(session: SessionDep, _staff: StaffPrincipal, claim_id: int) -> ClaimOut:
    return ClaimOut.model_validate(service.get_claim(session, claim_id))


@router.post("/{claim_id}/decision", response_model=ClaimOut, summary="Approve or reject a claim (staff)")
def decide_claim(session: SessionDep, staff: StaffPrincipal, claim_id: int, body: ClaimDecision) -> ClaimOut:
    claim = service.decide_claim(
        session, claim_id, approve=body.decision == "approve", note=body.note or None, actor=token_actor(staff)
    )
    return ClaimOut.model_validate(claim)
