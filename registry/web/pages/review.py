"""The staff review queue: submitted use cases, approve or reject with a note (required when rejecting)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from registry.accounts.csrf import require_csrf
from registry.db_session import SessionDep
from registry.enums import ReviewStatus
from registry.usecases.models import NOTE_MAX, UseCase
from registry.usecases.schemas import UseCaseUpdate
from registry.usecases.service import update_use_case
from registry.web import flash
from registry.web.deps import StaffUser
from registry.web.errors import PageError
from registry.web.forms import form_values
from registry.web.redirects import see_other
from registry.web.templating import render, translator_for

router = APIRouter()

QUEUE_LIMIT = 100
DECISIONS: dict[str, ReviewStatus] = {"approve": ReviewStatus.approved, "reject": ReviewStatus.rejected}


def _queue(session: Session) -> list[UseCase]:
    stmt = (
        select(UseCase)
        .where(UseCase.review_status == ReviewStatus.submitted)
        .order_by(UseCase.updated_at, UseCase.id)  # oldest submission first
        .limit(QUEUE_LIMIT)
    )
    return list(session.scalars(stmt))


def _page(
    request: Request,
    session: Session,
    errors: dict[int, str] | None = None,
    notes: dict[int, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "items": _queue(session),
        "item_errors": errors or {},
        "notes": notes or {},
        "note_max": NOTE_MAX,
        "nav": "review",
        "here": str(request.url_for("review_queue").path),  # the language switch returns to the queue
    }
    return render(request, "review.html", context, status_code=status_code)


@router.get("/review", name="review_queue", response_class=HTMLResponse)
def review_queue(request: Request, session: SessionDep, _staff: StaffUser) -> HTMLResponse:
    return _page(request, session)


@router.post("/review/{use_case_id}", name="review_decide", dependencies=[Depends(require_csrf)])
async def review_decide(request: Request, use_case_id: int, session: SessionDep, _staff: StaffUser) -> Response:
    values = form_values(await request.form(), ("decision", "note"))
    decision = DECISIONS.get(values["decision"])
    use_case = session.get(UseCase, use_case_id)
    if use_case is None or decision is None:
        raise PageError(404, "err.not_found")
    t = translator_for(request)
    note = values["note"].strip()
    error = None
    if decision == ReviewStatus.rejected and not note:
        error = t("err.note_required")
    elif len(note) > NOTE_MAX:
        error = t("err.too_long", max=NOTE_MAX)
    if error:
        return _page(request, session, {use_case.id: error}, {use_case.id: values["note"]}, status_code=400)
    update_use_case(session, use_case.id, UseCaseUpdate(review_status=decision, reviewer_note=note or None))
    done = "review.done_approved" if decision == ReviewStatus.approved else "review.done_rejected"
    flash.add(request, "ok", done, title=use_case.title)
    return see_other(str(request.url_for("review_queue").path))
