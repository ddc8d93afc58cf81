"""Who may manage a gateway's credentials over the API: staff (API token), or the gateway's owner - the
signed-in enterprise user whose use case it belongs to - with the browser session and the page's CSRF token
in an `X-CSRF-Token` header (a cross-site form cannot set a header, so the session cookie alone is not
enough)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from registry.auth.deps import OptionalPrincipal
from registry.db_session import SessionDep
from registry.errors import Forbidden, NotFound, Unauthorized
from registry.gateways.models import Gateway
from registry.web.csrf import SESSION_KEY as CSRF_SESSION_KEY

CSRF_HEADER = "X-CSRF-Token"


def gateway_manager(request: Request, session: SessionDep, principal: OptionalPrincipal, gateway_id: str) -> str:
    """The caller's name, when it may manage this gateway's credentials."""
    if principal is not None:
        if not principal.is_staff:
            raise Forbidden(f"token {principal.name!r} may not manage gateway credentials")
        return principal.name
    from registry.web.deps import load_user

    user = load_user(request, session)
    if user is None:
        raise Unauthorized(f"needs a staff API token, or the owner's signed-in session and the {CSRF_HEADER} header")
    expected = request.session.get(CSRF_SESSION_KEY)
    submitted = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(str(expected), submitted):
        raise Forbidden(f"the {CSRF_HEADER} header is missing or does not match the session's CSRF token")
    gateway = session.get(Gateway, gateway_id)
    # The same 404 for a gateway that does not exist and for another enterprise's.
    if gateway is None or not user.is_enterprise or gateway.use_case.enterprise_id != user.enterprise_id:
        raise NotFound("gateway", gateway_id)
    return user.email


GatewayManager = Annotated[str, Depends(gateway_manager)]
