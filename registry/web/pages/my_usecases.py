"""An enterprise user's own use cases: list with review status and note, register, edit.

Every route checks on the server that the use case belongs to the user's enterprise; another enterprise's
use case answers 404 exactly like a missing one, so its existence is not revealed.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from registry.db_session import SessionDep
from registry.enterprises.models import Enterprise
from registry.errors import FieldInvalid
from registry.pagination import PageRequest
from registry.usecases.service import UseCaseFilters, create_use_case, list_use_cases
from registry.web import flash, usecase_form
from registry.web.csrf import require_csrf
from registry.web.deps import EnterpriseUser
from registry.web.errors import Refused
from registry.web.i18n import negotiate
from registry.web.redirects import see_other
from registry.web.templating import render, translator_for
from registry.web.visibility import owned_use_case

router = APIRouter()

MAX_OWN_LISTED = 200


@router.get("/my/usecases", name="my_usecases", response_class=HTMLResponse)
def my_usecases(request: Request, session: SessionDep, user: EnterpriseUser) -> HTMLResponse:
    filters = UseCaseFilters(enterprise_id=user.enterprise_id)
    items, total = list_use_cases(session, filters, PageRequest(1, MAX_OWN_LISTED))
    enterprise = session.get(Enterprise, user.enterprise_id)
    context = {"items": items, "total": total, "enterprise": enterprise, "nav": "mine"}
    return render(request, "my_usecases.html", context)


@router.get("/my/usecases/new", name="usecase_new", response_class=HTMLResponse)
def usecase_new(request: Request, user: EnterpriseUser) -> HTMLResponse:
    return usecase_form.render_form(request, negotiate(request), {"operators": []}, {})


@router.post("/my/usecases/new", name="usecase_create", dependencies=[Depends(require_csrf)])
async def usecase_create(request: Request, session: SessionDep, user: EnterpriseUser) -> Response:
    values = usecase_form.parse(await request.form())
    t = translator_for(request)
    result = usecase_form.validate_submission(values, user.enterprise_id, t)
    if result.data is not None:
        try:
            use_case = create_use_case(session, result.data)
        except FieldInvalid as exc:
            usecase_form.store_service_error(result, exc, t)
        else:
            flash.add(request, "ok", "mine.saved")
            return see_other(str(request.url_for("usecase_detail", use_case_id=use_case.id).path))
    # Raised, not returned: the request edge rolls back whatever the refused submission stored.
    raise Refused(usecase_form.render_form(request, negotiate(request), values, result.errors, status_code=400))


@router.get("/my/usecases/{use_case_id}/edit", name="usecase_edit", response_class=HTMLResponse)
def usecase_edit(request: Request, use_case_id: int, session: SessionDep, user: EnterpriseUser) -> HTMLResponse:
    use_case = owned_use_case(session, user, use_case_id)
    values = usecase_form.values_of_revision(use_case)
    return usecase_form.render_form(request, negotiate(request), values, {}, use_case)


@router.post("/my/usecases/{use_case_id}/edit", name="usecase_update", dependencies=[Depends(require_csrf)])
async def usecase_update(request: Request, use_case_id: int, session: SessionDep, user: EnterpriseUser) -> Response:
    use_case = owned_use_case(session, user, use_case_id)
    return await usecase_form.save_edit(request, session, use_case, staff_edit=False)
