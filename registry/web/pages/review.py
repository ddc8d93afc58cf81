"""The staff review queue: submitted use cases, approve or reject with a note (required when rejecting).

`?status=approved|rejected` lists decided cases the same way, so a decision can be revisited (e.g. a
published case withdrawn with a note) and any case opened in the staff edit form."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from registry.db_session import SessionDep
from registry.enums import ReviewStatus
from registry.usecases.models import NOTE_MAX, UseCase
from registry.usecases.schemas import UseCaseUpdate
from registry.usecases.service import decide_revision, update_use_case
from registry.web import flash
from registry.web.csrf import require_csrf
from registry.web.deps import StaffUser
from registry.web.errors import PageError
from registry.web.forms import form_values
from registry.web.redirects import see_other
from registry.web.templating import render, translator_for

router = APIRouter()

QUEUE_LIMIT = 100
DECISIONS: dict[str, ReviewStatus] = {"approve": ReviewStatus.approved, "reject": ReviewStatus.rejected}
REVIEW_TABS = (ReviewStatus.submitted, ReviewStatus.approved, ReviewStatus.rejected)


def _waiting() -> ColumnElement[bool]:
    # Submitted cases, and approved ones with an owner's revision waiting (the approved version stays live).
    return or_(UseCase.review_status == ReviewStatus.submitted, UseCase.pending_revision.is_not(None))


def _queue(session: Session, status: ReviewStatus) -> list[UseCase]:
    order = (UseCase.updated_at, UseCase.id)  # oldest submission first
    where = _waiting()
    if status != ReviewStatus.submitted:
        order = (UseCase.updated_at.desc(), UseCase.id.desc())  # latest decision first
        where = UseCase.review_status == status
    stmt = select(UseCase).where(where).order_by(*order).limit(QUEUE_LIMIT)
    return list(session.scalars(stmt))


def _counts(session: Session) -> dict[ReviewStatus, int]:
    rows = session.execute(select(UseCase.review_status, func.count()).group_by(UseCase.review_status))
    counts = {status: 0 for status in REVIEW_TABS}
    counts.update({status: count for status, count in rows if status in counts})
    counts[ReviewStatus.submitted] = session.scalar(select(func.count()).where(_waiting())) or 0
    return counts


def _page(
    request: Request,
    session: Session,
    errors: dict[int, str] | None = None,
    notes: dict[int, str] | None = None,
    status_code: int = 200,
    status: ReviewStatus = ReviewStatus.submitted,
) -> HTMLResponse:
    context = {
        "items": _queue(session, status),
        "status": status,
        "tabs": _counts(session),
        "item_errors": errors or {},
        "notes": notes or {},
        "note_max": NOTE_MAX,
        "nav": "review",
        "here": str(request.url_for("review_queue").path),  # the language switch returns to the queue
    }
    return render(request, "review.html", context, status_code=status_code)


@router.get("/review", name="review_queue", response_class=HTMLResponse)
def review_queue(request: Request, session: SessionDep, _staff: StaffUser, status: str = "submitted") -> HTMLResponse:
    chosen = next((tab for tab in REVIEW_TABS if tab.value == status), None)
    if chosen is None:
        raise PageError(404, "err.not_found")
    return _page(request, session, status=chosen)


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
        errors, notes = {use_case.id: error}, {use_case.id: values["note"]}
        tab = ReviewStatus.submitted if use_case.pending_revision is not None else use_case.review_status
        return _page(request, session, errors, notes, status_code=400, status=tab)
    if use_case.pending_revision is not None:
        decide_revision(session, use_case.id, approve=decision == ReviewStatus.approved, note=note or None)
    else:
        update_use_case(session, use_case.id, UseCaseUpdate(review_status=decision, reviewer_note=note or None))
    done = "review.done_approved" if decision == ReviewStatus.approved else "review.done_rejected"
    flash.add(request, "ok", done, title=use_case.title)
    return see_other(str(request.url_for("review_queue").path))
