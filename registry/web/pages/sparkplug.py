"""The owner declares a gateway a Sparkplug B edge node and maps its metrics to KPIs (registry/sparkplug).

The mapping is one line per metric, `metric | kpi | scale | offset | device` (the last three optional), so a
node with many tags is pasted in one go; a bad line is named with its number and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import HTMLResponse, Response

from i5g.contract import KPIS
from registry.audit.service import Actor, record
from registry.broker.hooks import BrokerFailure
from registry.db_session import SessionDep
from registry.errors import Conflict
from registry.gateways.models import Gateway
from registry.sparkplug import service
from registry.sparkplug.models import METRIC_MAX, SPARKPLUG_ID_MAX
from registry.sparkplug.schemas import SparkplugDeclaration
from registry.usecases.models import UseCase
from registry.web.csrf import require_csrf
from registry.web.deps import EnterpriseUser
from registry.web.errors import PageError, Refused
from registry.web.forms import explain, form_values
from registry.web.redirects import see_other
from registry.web.templating import render, translator_for
from registry.web.visibility import owned_use_case

router = APIRouter()

FIELDS = ("group_id", "edge_node_id", "mappings")
COLUMNS = ("metric", "kpi", "scale", "offset", "device_id")
LIMITS = {"id": SPARKPLUG_ID_MAX, "metric": METRIC_MAX}


def _owned(session: SessionDep, user: Any, gateway_id: str) -> tuple[Gateway, UseCase]:
    gateway = session.get(Gateway, gateway_id)
    if gateway is None:
        raise PageError(404, "usecase.not_found")
    return gateway, owned_use_case(session, user, gateway.use_case_id)  # another enterprise's: the same 404


def mapping_lines(metrics: list[dict[str, Any]]) -> str:
    lines = []
    for item in metrics:
        cells = [item["metric"], item["kpi"], f"{item['scale']:g}", f"{item['offset']:g}", item.get("device_id") or ""]
        while len(cells) > 2 and cells[-1] in ("", "1" if len(cells) == 3 else "0"):
            cells.pop()
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def parse_lines(text: str) -> tuple[list[dict[str, str]], list[int]]:
    """The mapping rows (blank lines skipped) and, for each row, its line number in the text."""
    rows, numbers = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("|")]
        rows.append({name: cell for name, cell in zip(COLUMNS, cells, strict=False) if cell})
        if len(cells) > len(COLUMNS):
            rows[-1]["extra"] = "|".join(cells[len(COLUMNS) :])  # refused by the schema (extra="forbid")
        numbers.append(number)
    return rows, numbers


def _form(
    request: Request,
    gateway: Gateway,
    use_case: UseCase,
    values: dict,
    errors: dict,
    status_code: int = 200,
    declared: bool = False,
) -> HTMLResponse:
    context = {
        "gateway": gateway,
        "uc": use_case,
        "values": values,
        "errors": errors,
        "limits": LIMITS,
        "kpis": list(KPIS.values()),
        "declared": declared,
        "saved": request.query_params.get("saved") == "1",
        "nav": "mine",
    }
    return render(request, "sparkplug_form.html", context, status_code=status_code)


@router.get("/my/gateways/{gateway_id}/sparkplug", name="sparkplug_edit", response_class=HTMLResponse)
def sparkplug_edit(request: Request, gateway_id: str, session: SessionDep, user: EnterpriseUser) -> HTMLResponse:
    gateway, use_case = _owned(session, user, gateway_id)
    node = service.find_node(session, gateway_id)
    values: dict[str, str] = {}
    if node is not None:
        out = service.to_out(node)
        values = {
            "group_id": out.group_id,
            "edge_node_id": out.edge_node_id,
            "mappings": mapping_lines([m.model_dump() for m in out.metrics]),
        }
    return _form(request, gateway, use_case, values, {}, declared=node is not None)


@router.post("/my/gateways/{gateway_id}/sparkplug", name="sparkplug_save", dependencies=[Depends(require_csrf)])
async def sparkplug_save(request: Request, gateway_id: str, session: SessionDep, user: EnterpriseUser) -> Response:
    gateway, use_case = _owned(session, user, gateway_id)
    values = form_values(await request.form(), FIELDS)
    t = translator_for(request)
    declared = service.find_node(session, gateway_id) is not None
    rows, numbers = parse_lines(values["mappings"])
    body = {"group_id": values["group_id"].strip(), "edge_node_id": values["edge_node_id"].strip(), "metrics": rows}
    try:
        data = SparkplugDeclaration.model_validate(body)
    except ValidationError as exc:
        return _form(request, gateway, use_case, values, _errors(exc, numbers, t), 400, declared)
    try:
        service.declare(session, gateway_id, data)
    except Conflict:
        errors = {"edge_node_id": t("sparkplug.node_taken")}
        raise Refused(_form(request, gateway, use_case, values, errors, 409, declared)) from None
    except BrokerFailure:
        # The broker could not apply the role: the request's transaction rolls back, nothing is saved.
        errors = {"group_id": t("gateway.broker_unavailable")}
        raise Refused(_form(request, gateway, use_case, values, errors, 503, declared)) from None
    record(
        session,
        Actor("user", user.email),
        "gateway.sparkplug.update",
        "gateway",
        gateway_id,
        enterprise_id=use_case.enterprise_id,
        detail=data.model_dump(),
    )
    return see_other(f"{request.url_for('sparkplug_edit', gateway_id=gateway_id).path}?saved=1")


@router.post(
    "/my/gateways/{gateway_id}/sparkplug/delete", name="sparkplug_delete", dependencies=[Depends(require_csrf)]
)
def sparkplug_delete(request: Request, gateway_id: str, session: SessionDep, user: EnterpriseUser) -> Response:
    _, use_case = _owned(session, user, gateway_id)
    if service.find_node(session, gateway_id) is None:
        raise PageError(404, "usecase.not_found")
    try:
        service.withdraw(session, gateway_id)
    except BrokerFailure:
        raise PageError(503, "gateway.broker_unavailable") from None
    actor = Actor("user", user.email)
    record(session, actor, "gateway.sparkplug.delete", "gateway", gateway_id, enterprise_id=use_case.enterprise_id)
    return see_other(str(request.url_for("usecase_detail", use_case_id=use_case.id).path))


def _errors(exc: ValidationError, numbers: list[int], t: Any) -> dict[str, str]:
    """Errors of the ids on their fields; every mapping error on the text area, naming its line."""
    errors = explain(exc, t)
    lines = []
    for error in exc.errors():
        loc = error.get("loc") or ()
        if loc[:1] == ("metrics",) and len(loc) >= 2 and isinstance(loc[1], int) and loc[1] < len(numbers):
            column = str(loc[2]) if len(loc) > 2 else ""
            lines.append(t("sparkplug.line_error", line=numbers[loc[1]], column=column, detail=error.get("msg", "")))
        elif not loc:  # the model's own check: a metric mapped twice
            lines.append(str(error.get("msg", "")).removeprefix("Value error, "))
    errors.pop("metrics", None)
    errors.pop("", None)
    if lines:
        errors["mappings"] = "; ".join(lines[:5])
    return errors
