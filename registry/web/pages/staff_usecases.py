"""Staff correct a use case's content (a typo, a wrong scenario, a seeded record's details) without touching
its review decision: the same form the enterprise uses, reached from the use-case page and the review list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from registry.db_session import SessionDep
from registry.usecases.models import UseCase
from registry.web import usecase_form
from registry.web.csrf import require_csrf
from registry.web.deps import StaffUser
from registry.web.errors import PageError
from registry.web.i18n import negotiate

router = APIRouter()


def _use_case(session: Session, use_case_id: int) -> UseCase:
    use_case = session.get(UseCase, use_case_id)
    if use_case is None:
        raise PageError(404, "usecase.not_found")
    return use_case


@router.get("/staff/usecases/{use_case_id}/edit", name="staff_usecase_edit", response_class=HTMLResponse)
def staff_usecase_edit(request: Request, use_case_id: int, session: SessionDep, _staff: StaffUser) -> HTMLResponse:
    use_case = _use_case(session, use_case_id)
    values = usecase_form.values_of(use_case)
    return usecase_form.render_form(request, negotiate(request), values, {}, use_case, staff_edit=True)


@router.post("/staff/usecases/{use_case_id}/edit", name="staff_usecase_update", dependencies=[Depends(require_csrf)])
async def staff_usecase_update(request: Request, use_case_id: int, session: SessionDep, _staff: StaffUser) -> Response:
    return await usecase_form.save_edit(request, session, _use_case(session, use_case_id), staff_edit=True)
