"""Who may manage a gateway's credentials over the API: staff (API token), or the gateway's owner - the
signed-in enterprise user whose use case it belongs to - with the browser session and the page's CSRF token
in an `X-CSRF-Token` header (a cross-site form cannot set a header, so the session cookie alone is not
enough)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from registry.audit.service import Actor
from registry.auth.browser import browser_user
from registry.auth.deps import OptionalPrincipal, Principal
from registry.db_session import SessionDep
from registry.errors import Forbidden, NotFound
from registry.gateways.models import Gateway


def manager_of(
    request: Request, session: Session, principal: Principal | None, gateway_id: str, *, staff_users: bool = False
) -> tuple[str, str]:
    """(kind, name) of the caller when it may manage this gateway: ("token", name) for a staff token, ("user",
    e-mail) for the owner's signed-in session (and, with staff_users, a staff user's) with the CSRF header."""
    if principal is not None:
        if not principal.is_staff:
            raise Forbidden(f"token {principal.name!r} may not manage gateway credentials")
        return "token", principal.name
    user = browser_user(request, session, needs="a staff API token")
    gateway = session.get(Gateway, gateway_id)
    if gateway is not None and staff_users and user.is_staff:
        return "user", user.email
    # The same 404 for a gateway that does not exist and for another enterprise's.
    if gateway is None or not user.is_enterprise or gateway.use_case.enterprise_id != user.enterprise_id:
        raise NotFound("gateway", gateway_id)
    return "user", user.email


def gateway_manager(request: Request, session: SessionDep, principal: OptionalPrincipal, gateway_id: str) -> str:
    """The caller's name, when it may manage this gateway's credentials."""
    return manager_of(request, session, principal, gateway_id)[1]


GatewayManager = Annotated[str, Depends(gateway_manager)]


def manager_actor(request: Request, session: SessionDep, principal: OptionalPrincipal, gateway_id: str) -> Actor:
    """The audit actor of a credentials change: the staff token, or the owner's signed-in account."""
    return Actor(*manager_of(request, session, principal, gateway_id))


ManagerActor = Annotated[Actor, Depends(manager_actor)]
