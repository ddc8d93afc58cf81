"""The gateway's agent configuration page: desired vs reported, and the form that sets the next version.

The owner (enterprise user of the gateway's use case) and staff. The form builds the same partial document
as `PUT /api/v1/gateways/{id}/config` and goes through the same service (agent's model, audit, publish)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from registry.agentconfig import service
from registry.agentconfig.models import AgentConfig
from registry.audit.service import Actor
from registry.broker.hooks import BrokerFailure
from registry.db_session import SessionDep
from registry.errors import FieldInvalid
from registry.gateways.models import Gateway
from registry.web import flash
from registry.web.csrf import require_csrf
from registry.web.deps import CurrentUser, require_user
from registry.web.errors import PageError, Refused
from registry.web.forms import form_values
from registry.web.redirects import see_other
from registry.web.templating import render, translator_for
from registry.web.visibility import is_owner

router = APIRouter()

SOURCES = ("host", "probe", "modem_mm", "modem_quectel", "modbus", "simulated")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FIELDS = ("interval_s", "log_level", "probe_targets", "source_options", *(f"src_{name}" for name in SOURCES))
# Where a reason of the agent's model is shown: the first field whose key prefixes it.
REASON_FIELDS = (
    ("interval_s", "interval_s"),
    ("log_level", "log_level"),
    ("sources.probe.targets", "probe_targets"),
    *((f"sources.{name}.enabled", f"src_{name}") for name in SOURCES),
    ("", "source_options"),
)


def _gateway(session: SessionDep, user: CurrentUser, gateway_id: str) -> Gateway:
    gateway = session.get(Gateway, gateway_id)
    if gateway is None or not (user.is_staff or is_owner(user, gateway.use_case)):
        raise PageError(404, "usecase.not_found")  # the same for another enterprise's gateway
    return gateway


def form_of(document: dict[str, Any]) -> dict[str, str]:
    """The form's strings for a stored document."""
    sources = json.loads(json.dumps(document.get("sources", {})))  # a copy to take keys out of
    values = {
        "interval_s": f"{document['interval_s']:g}" if "interval_s" in document else "",
        "log_level": document.get("log_level", ""),
        "probe_targets": "\n".join(sources.get("probe", {}).pop("targets", [])),
    }
    for name in SOURCES:
        enabled = sources.get(name, {}).pop("enabled", None)
        values[f"src_{name}"] = "" if enabled is None else ("on" if enabled else "off")
    options = {name: section for name, section in sources.items() if section}
    values["source_options"] = json.dumps(options, indent=2, ensure_ascii=False) if options else ""
    return values


def document_of(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(document, errors) from the form; the agent's model checks the document afterwards."""
    errors: dict[str, str] = {}
    sources: dict[str, Any] = {}
    if values["source_options"].strip():
        try:
            sources = json.loads(values["source_options"])
        except ValueError:
            errors["source_options"] = "agentcfg.err_json"
        if not isinstance(sources, dict):
            sources, errors["source_options"] = {}, "agentcfg.err_json"
    document: dict[str, Any] = {}
    if values["interval_s"].strip():
        try:
            document["interval_s"] = float(values["interval_s"])
        except ValueError:
            errors["interval_s"] = "agentcfg.err_number"
    if values["log_level"]:
        document["log_level"] = values["log_level"]
    for name in SOURCES:
        choice = values[f"src_{name}"]
        if choice in ("on", "off"):
            section = sources.setdefault(name, {})
            if isinstance(section, dict):
                section["enabled"] = choice == "on"
    targets = [line.strip() for line in values["probe_targets"].splitlines() if line.strip()]
    if targets:
        probe = sources.setdefault("probe", {})
        if isinstance(probe, dict):
            probe["targets"] = targets
    if sources:
        document["sources"] = sources
    return document, errors


def _page(
    request: Request, gateway: Gateway, row: AgentConfig | None, values: dict, errors: dict, status_code: int = 200
) -> HTMLResponse:
    context = {
        "gateway": gateway,
        "uc": gateway.use_case,
        "cfg": service.describe(gateway.id, row),
        "values": values,
        "errors": errors,
        "sources": SOURCES,
        "log_levels": LOG_LEVELS,
        "nav": "mine",
    }
    return render(request, "gateway_config.html", context, status_code=status_code)


@router.get("/gateways/{gateway_id}/config", name="gateway_config", response_class=HTMLResponse)
def gateway_config(
    request: Request, gateway_id: str, session: SessionDep, user: CurrentUser = Depends(require_user)
) -> HTMLResponse:
    gateway = _gateway(session, user, gateway_id)
    row = session.get(AgentConfig, gateway.id)
    return _page(request, gateway, row, form_of(row.document if row else {}), {})


@router.post("/gateways/{gateway_id}/config", name="gateway_config_save", dependencies=[Depends(require_csrf)])
async def gateway_config_save(
    request: Request, gateway_id: str, session: SessionDep, user: CurrentUser = Depends(require_user)
) -> Response:
    gateway = _gateway(session, user, gateway_id)
    values = form_values(await request.form(), FIELDS)
    t = translator_for(request)
    document, errors = document_of(values)
    if not errors:
        try:
            service.set_config(session, gateway, document, Actor("user", user.email))
        except FieldInvalid as exc:
            reason = exc.field_message
            field = next(name for prefix, name in REASON_FIELDS if reason.startswith(prefix))
            errors[field] = t("agentcfg.err_model", reason=reason)
        except BrokerFailure:  # nothing is stored: the request's transaction rolls back at the edge
            raise PageError(503, "gateway.broker_unavailable") from None
        else:
            flash.add(request, "ok", "agentcfg.saved")
            return see_other(request.url_for("gateway_config", gateway_id=gateway.id).path)
    errors = {field: t(message) if message.startswith("agentcfg.") else message for field, message in errors.items()}
    raise Refused(_page(request, gateway, session.get(AgentConfig, gateway.id), values, errors, status_code=422))
