"""Claim pages: a newcomer asks for a registered enterprise at sign-up (`/claim`), an enterprise account asks
from its own pages (`/my/claim`), staff decide (`/staff/claims`).

What a claimant is shown of the enterprise found is never more than the public catalog shows: its public
summary when it has an approved use case, otherwise only the name or credit code the claimant typed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from registry.accounts.models import User
from registry.accounts.passwords import hash_password, password_problem
from registry.accounts.service import email_problem, find_by_email, normalize_email
from registry.audit.service import Actor, user_actor
from registry.claims import service
from registry.claims.models import MESSAGE_MAX, NOTE_MAX, ClaimStatus
from registry.claims.schemas import ClaimCreate, ClaimDecision
from registry.db_session import SessionDep
from registry.enterprises.models import Enterprise
from registry.enterprises.service import get_enterprise
from registry.errors import Conflict, NotFound
from registry.pagination import PageRequest
from registry.web import flash
from registry.web.csrf import require_csrf
from registry.web.deps import EnterpriseUser, OptionalUser, StaffUser
from registry.web.errors import PageError, Refused
from registry.web.forms import form_values, validate
from registry.web.redirects import home_for, see_other
from registry.web.templating import render, translator_for

router = APIRouter()
SIGNUP = Actor.system("signup")  # a claim made before having an account (its e-mail is in the detail)

CLAIM_FIELDS = ("name", "credit_code", "contact", "message")
SIGNUP_FIELDS = ("email", "password", *CLAIM_FIELDS)
FALLBACKS = {"name": "claim.err_identify", "credit_code": "err.credit_code"}
ALIASES = {"": "name"}  # "give the name or the credit code" belongs to no one field: shown at the name
LISTED_MAX = 100
TABS = tuple(ClaimStatus)
STATUS_KEYS = {
    ClaimStatus.pending: "claim.status.pending",
    ClaimStatus.approved: "claim.status.approved",
    ClaimStatus.rejected: "claim.status.rejected",
}


def _status_label(request: Request) -> Any:
    t = translator_for(request)
    return lambda status: t(STATUS_KEYS[ClaimStatus(status)])


def public_summary(session: Session, enterprise: Enterprise) -> Enterprise | None:
    """The enterprise when the public catalog lists it (an approved use case), else None."""
    try:
        return get_enterprise(session, enterprise.id, public_only=True)
    except NotFound:
        return None


def _form(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    shown = {k: v for k, v in context.get("values", {}).items() if k != "password"}  # never sent back
    base = {"limits": {"message": MESSAGE_MAX}, "found": None, "nav": "signup", "claim_status": _status_label(request)}
    return render(request, template, {**base, **context, "values": shown}, status_code=status_code)


def claim_offer(request: Request, session: Session, enterprise: Enterprise, values: dict[str, str]) -> Response:
    """Sign-up named a registered enterprise: instead of a duplicate, the claim form (409), when nobody owns
    it; the refusal the sign-up page always gave, when it has accounts."""
    t = translator_for(request)
    if service.is_owned(session, enterprise.id):
        return _signup_refusal(request, values)
    errors = {"name": t("claim.offer")}
    context = {"values": values, "errors": errors, "found": public_summary(session, enterprise)}
    return _form(request, "claim.html", context, status_code=409)


def _signup_refusal(request: Request, values: dict[str, str]) -> Response:
    from registry.web.pages.accounts import signup_page

    return signup_page(request, values, {"name": translator_for(request)("err.enterprise_taken")}, status_code=409)


@router.get("/claim", name="claim_form", response_class=HTMLResponse)
def claim_form(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return see_other(str(request.url_for("my_claims").path) if user.is_enterprise else home_for(request, user))
    return _form(request, "claim.html", {})


@router.post("/claim", name="claim_request", dependencies=[Depends(require_csrf)])
async def claim_request(request: Request, session: SessionDep) -> Response:
    """A claim with the account to create on approval. A taken e-mail gets exactly the answer a new one gets
    (as at sign-up: which e-mails have accounts is nobody's business) and no claim is stored."""
    values = form_values(await request.form(), SIGNUP_FIELDS)
    t = translator_for(request)
    result = validate(ClaimCreate, {k: values[k] for k in CLAIM_FIELDS}, t, FALLBACKS, ALIASES)
    errors = dict(result.errors)
    email = normalize_email(values["email"])
    if problem := email_problem(email):
        errors["email"] = t(problem)
    if problem := password_problem(values["password"]):
        errors["password"] = t(problem)
    enterprise = None
    if result.data is not None:
        enterprise = service.find_enterprise(session, result.data.name, result.data.credit_code)
        if enterprise is None:
            errors["name"] = t("claim.err_not_found")
    if errors or result.data is None or enterprise is None:
        return _form(request, "claim.html", {"values": values, "errors": errors}, status_code=400)
    password_hash = hash_password(values["password"])  # spent for a taken e-mail too: same cost, same answer
    if find_by_email(session, email) is None:
        data = service.ClaimRequest(
            email=email,
            credit_code=result.data.credit_code,
            contact=result.data.contact,
            message=result.data.message,
            password_hash=password_hash,
        )
        try:
            service.request_claim(session, enterprise, data, actor=SIGNUP)
        except Conflict:
            refusal = {"values": values, "errors": {"name": t("claim.err_refused")}}
            raise Refused(_form(request, "claim.html", refusal, 409)) from None
    flash.add(request, "ok", "claim.received")
    return see_other(str(request.url_for("login_form").path))


def _mine(
    request: Request, session: Session, user: EnterpriseUser, values: dict, errors: dict, code: int = 200
) -> HTMLResponse:
    claims, _ = service.list_claims(session, service.ClaimFilters(email=user.email), PageRequest(1, LISTED_MAX))
    context = {"values": values, "errors": errors, "claims": claims, "nav": "mine"}
    return _form(request, "my_claims.html", context, status_code=code)


@router.get("/my/claim", name="my_claims", response_class=HTMLResponse)
def my_claims(request: Request, session: SessionDep, user: EnterpriseUser) -> HTMLResponse:
    return _mine(request, session, user, {}, {})


@router.post("/my/claim", name="my_claim_request", dependencies=[Depends(require_csrf)])
async def my_claim_request(request: Request, session: SessionDep, user: EnterpriseUser) -> Response:
    values = form_values(await request.form(), CLAIM_FIELDS)
    t = translator_for(request)
    result = validate(ClaimCreate, values, t, FALLBACKS, ALIASES)
    if result.data is None:
        return _mine(request, session, user, values, result.errors, 400)
    enterprise = service.find_enterprise(session, result.data.name, result.data.credit_code)
    if enterprise is None or enterprise.id == user.enterprise_id:
        return _mine(request, session, user, values, {"name": t("claim.err_not_found")}, 400)
    account = session.get(User, user.id)
    data = service.ClaimRequest(
        email=user.email,
        credit_code=result.data.credit_code,
        contact=result.data.contact,
        message=result.data.message,
        user=account,
    )
    try:
        service.request_claim(session, enterprise, data, actor=user_actor(user))
    except Conflict:
        raise Refused(_mine(request, session, user, values, {"name": t("claim.err_refused")}, 409)) from None
    flash.add(request, "ok", "claim.received_account")
    return see_other(str(request.url_for("my_claims").path))


def _staff_page(
    request: Request, session: Session, status: ClaimStatus, errors: dict[int, str], code: int = 200
) -> HTMLResponse:
    claims, total = service.list_claims(session, service.ClaimFilters(status=status), PageRequest(1, LISTED_MAX))
    context = {
        "claims": claims,
        "total": total,
        "status": status,
        "tabs": TABS,
        "item_errors": errors,
        "note_max": NOTE_MAX,
        "nav": "claims",
        "claim_status": _status_label(request),
        "here": str(request.url_for("staff_claims").path),
    }
    return render(request, "staff_claims.html", context, status_code=code)


@router.get("/staff/claims", name="staff_claims", response_class=HTMLResponse)
def staff_claims(request: Request, session: SessionDep, _staff: StaffUser, status: str = "pending") -> HTMLResponse:
    chosen = next((tab for tab in TABS if tab.value == status), None)
    if chosen is None:
        raise PageError(404, "err.not_found")
    return _staff_page(request, session, chosen, {})


@router.post("/staff/claims/{claim_id}", name="staff_claim_decide", dependencies=[Depends(require_csrf)])
async def staff_claim_decide(request: Request, claim_id: int, session: SessionDep, staff: StaffUser) -> Response:
    values = form_values(await request.form(), ("decision", "note"))
    t = translator_for(request)
    result = validate(ClaimDecision, values, t, {"note": "err.note_required"}, {"": "note"})
    if result.data is None:
        message = next(iter(result.errors.values()))
        return _staff_page(request, session, ClaimStatus.pending, {claim_id: message}, 400)
    approve = result.data.decision == "approve"
    try:
        claim = service.decide_claim(
            session, claim_id, approve=approve, note=result.data.note or None, actor=user_actor(staff)
        )
    except NotFound:
        raise PageError(404, "err.not_found") from None
    except Conflict:
        refusal = _staff_page(request, session, ClaimStatus.pending, {claim_id: t("claim.err_conflict")}, 409)
        raise Refused(refusal) from None
    flash.add(request, "ok", f"claim.done_{claim.status.value}", name=claim.enterprise.name)
    return see_other(str(request.url_for("staff_claims").path))
