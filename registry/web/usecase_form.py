"""The use-case registration form: which fields it has, how their strings become schema input, the
validation that decides whether anything is stored, and the page that shows it (for the enterprise's own
pages and for staff)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from i5g import scenarios
from registry.enums import ReviewStatus
from registry.errors import FieldInvalid
from registry.evidence.web import record_if_evidence_stage, review_evidence
from registry.usecases import models as usecase_models
from registry.usecases.models import UseCase
from registry.usecases.schemas import UseCaseCreate, UseCaseUpdate
from registry.usecases.service import propose_revision, update_use_case
from registry.web import flash
from registry.web.errors import Refused
from registry.web.forms import FormResult, form_values, validate
from registry.web.i18n import Lang, negotiate
from registry.web.redirects import see_other
from registry.web.scenario_view import all_profiles, scenario_options
from registry.web.templating import render, translator_for
from registry.web.widgets import enum_options

TEXT_FIELDS = (
    "title",
    "scenario",
    "description",
    "network_mode",
    "stage",
    "recognitions",
    "investment_cny",
    "start_date",
    "end_date",
    "source_document",
    "source_excerpt",
)
LIST_FIELDS = ("operators",)

# Validator errors that pydantic can only word in English get these messages.
FALLBACKS = {"end_date": "err.date_order", "recognitions": "err.invalid", "scenario": "err.invalid_choice"}


def parse(form: FormData) -> dict[str, Any]:
    return form_values(form, TEXT_FIELDS, LIST_FIELDS)


def values_of_revision(use_case: UseCase) -> dict[str, Any]:
    """The edit form's values: the pending revision's where there is one (what the owner last sent)."""
    revision = UseCaseUpdate.model_validate(use_case.pending_revision or {}).changes()
    if "scenario" in revision:
        revision["scenario_key"] = revision.pop("scenario")
    current = {name: getattr(use_case, name) for name in _FORM_COLUMNS}
    return values_of(SimpleNamespace(**{**current, **revision}))  # type: ignore[arg-type]


_FORM_COLUMNS = (
    "title", "scenario_key", "description", "network_mode", "stage", "operators", "recognitions",
    "investment_cny", "start_date", "end_date", "source_document", "source_excerpt",
)  # fmt: skip


def values_of(use_case: UseCase) -> dict[str, Any]:
    """The form's values for an existing use case (the edit page)."""

    def text_of(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    return {
        "title": use_case.title,
        "scenario": use_case.scenario_key,
        "description": use_case.description or "",
        "network_mode": text_of(use_case.network_mode.value if use_case.network_mode else None),
        "stage": text_of(use_case.stage.value if use_case.stage else None),
        "operators": list(use_case.operators or []),
        "recognitions": "\n".join(use_case.recognitions or []),
        "investment_cny": text_of(use_case.investment_cny),
        "start_date": text_of(use_case.start_date),
        "end_date": text_of(use_case.end_date),
        "source_document": use_case.source_document or "",
        "source_excerpt": use_case.source_excerpt or "",
    }


def _schema_values(values: dict[str, Any], enterprise_id: int) -> dict[str, Any]:
    data = dict(values)
    data["recognitions"] = [line.strip() for line in values["recognitions"].splitlines() if line.strip()]
    # People write amounts as "1,200,000" or "1 200 000"; the schema wants whole yuan.
    for separator in (",", "，", " "):
        data["investment_cny"] = data["investment_cny"].replace(separator, "")
    data["enterprise_id"] = enterprise_id
    data["review_status"] = ReviewStatus.submitted.value  # whatever the form says: a submission is reviewed
    return data


def validate_submission(values: dict[str, Any], enterprise_id: int, t: Callable[..., str]) -> FormResult[UseCaseCreate]:
    result = validate(UseCaseCreate, _schema_values(values, enterprise_id), t, FALLBACKS)
    result.values = values  # re-render what the user typed, not the normalised copy
    if values["scenario"] and values["scenario"] not in scenarios.SCENARIOS and "scenario" not in result.errors:
        result.errors["scenario"] = t("err.invalid_choice")
    if result.errors:
        result.data = None
    return result


def as_update(data: UseCaseCreate) -> UseCaseUpdate:
    """Every field of the form, sent back to review with the previous reviewer's note cleared."""
    fields = data.model_dump(exclude={"enterprise_id"})
    fields["review_status"] = ReviewStatus.submitted
    fields["reviewer_note"] = None
    return UseCaseUpdate.model_validate(fields)


def as_staff_update(data: UseCaseCreate) -> UseCaseUpdate:
    """Every field of the form; the review decision and its note stay as they are (staff correct content)."""
    return UseCaseUpdate.model_validate(data.model_dump(exclude={"enterprise_id", "review_status", "reviewer_note"}))


LIMITS = {
    "title": usecase_models.TITLE_MAX,
    "source_document": usecase_models.SOURCE_DOCUMENT_MAX,
}


def render_form(
    request: Request,
    lang: Lang,
    values: dict,
    errors: dict[str, str],
    use_case: UseCase | None = None,
    status_code: int = 200,
    *,
    staff_edit: bool = False,
) -> HTMLResponse:
    """The registration form: new (enterprise), edit by the owner (sends it back to review), or edit by staff
    (`staff_edit`: the review decision stays)."""
    if use_case is None:
        action = request.url_for("usecase_create")
    else:
        action = request.url_for("staff_usecase_update" if staff_edit else "usecase_update", use_case_id=use_case.id)
    context = {
        "form_action": str(action.path),
        "resubmits": use_case is not None and not staff_edit,
        "values": values,
        "errors": errors,
        "use_case": use_case,
        "limits": LIMITS,
        "scenario_options": scenario_options(lang),
        "profiles": all_profiles(lang),
        "network_modes": enum_options("NetworkMode", lang),
        "operators": enum_options("Operator", lang),
        "stages": enum_options("LifecycleStage", lang),
        "nav": "review" if staff_edit else "new" if use_case is None else "mine",
    }
    if staff_edit and use_case is not None:
        context.update(review_evidence(request, use_case))
    return render(request, "usecase_form.html", context, status_code=status_code)


def store_service_error(result: FormResult, exc: FieldInvalid, t: Callable[..., str]) -> None:
    result.errors[exc.field if exc.field in TEXT_FIELDS else "scenario"] = t("err.invalid_choice")


async def save_edit(request: Request, session: Session, use_case: UseCase, *, staff_edit: bool) -> Response:
    """The edit form's POST: by the owner (the case goes back to review) or by staff (the decision stays)."""
    values = parse(await request.form())
    t = translator_for(request)
    result = validate_submission(values, use_case.enterprise_id, t)
    if result.data is not None:
        update = as_staff_update(result.data) if staff_edit else as_update(result.data)
        # The owner's edit of an approved case waits for review beside the live version (issue 16.6).
        revises = not staff_edit and use_case.review_status == ReviewStatus.approved
        stage_before = use_case.stage
        try:
            if revises:
                propose_revision(session, use_case.id, update)
            else:
                update_use_case(session, use_case.id, update)
            if staff_edit:
                record_if_evidence_stage(request, use_case, stage_before)
        except FieldInvalid as exc:
            store_service_error(result, exc, t)
        else:
            message = "staff.usecase_saved" if staff_edit else "mine.revision_saved" if revises else "mine.saved"
            flash.add(request, "ok", message, title=result.data.title)
            return see_other(str(request.url_for("usecase_detail", use_case_id=use_case.id).path))
    lang = negotiate(request)
    # Raised, not returned: the request edge rolls back whatever the refused update changed.
    raise Refused(render_form(request, lang, values, result.errors, use_case, status_code=400, staff_edit=staff_edit))
