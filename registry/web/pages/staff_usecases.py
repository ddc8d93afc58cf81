"""Staff correct a use case's content (a typo, a wrong scenario, a seeded record's details) without touching
its review decision: the same form the enterprise uses, reached from the use-case page and the review list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from registry.accounts.csrf import require_csrf
from registry.db_session import SessionDep
from registry.errors import FieldInvalid
from registry.usecases.models import UseCase
from registry.usecases.service import update_use_case
from registry.web import flash, usecase_form
from registry.web.deps import StaffUser
from registry.web.errors import PageError
from registry.web.i18n import negotiate
from registry.web.redirects import see_other
from registry.web.templating import translator_for

router = APIRouter()


def _use_case(session: SessionDep, use_case_id: int) -> UseCase:
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
    use_case = _use_case(session, use_case_id)
    values = usecase_form.parse(await request.form())
    t = translator_for(request)
    result = usecase_form.validate_submission(values, use_case.enterprise_id, t)
    if result.data is not None:
        try:
            update_use_case(session, use_case.id, usecase_form.as_staff_update(result.data))
        except FieldInvalid as exc:
            session.rollback()
            usecase_form.store_service_error(result, exc, t)
        else:
            flash.add(request, "ok", "staff.usecase_saved", title=result.data.title)
            return see_other(str(request.url_for("usecase_detail", use_case_id=use_case.id).path))
    return usecase_form.render_form(
        request, negotiate(request), values, result.errors, use_case, status_code=400, staff_edit=True
    )
