"""Who is calling: FastAPI dependencies for public reads, staff writes and the collector's endpoints.

`current_principal` reads `Authorization: Bearer <token>`. A missing header means an anonymous caller
(public reads still work); a header with a bad or revoked token is always 401, so a misconfigured client
learns it at once instead of silently seeing less.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from registry.auth.service import authenticate
from registry.db_session import SessionDep
from registry.enums import TokenRole
from registry.errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class Principal:
    name: str
    role: TokenRole

    @property
    def is_staff(self) -> bool:
        return self.role == TokenRole.staff


def current_principal(request: Request, session: SessionDep) -> Principal | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'")
    token = authenticate(session, credentials.strip())
    if token is None:
        raise Unauthorized("invalid or revoked API token")
    return Principal(token.name, token.role)


OptionalPrincipal = Annotated[Principal | None, Depends(current_principal)]


def require_staff(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise Unauthorized("this endpoint needs a staff API token (Authorization: Bearer <token>)")
    if not principal.is_staff:
        raise Forbidden(f"token {principal.name!r} has role {principal.role.value!r}; staff is required")
    return principal


def require_collector(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise Unauthorized("this endpoint needs a collector or staff API token (Authorization: Bearer <token>)")
    if principal.role not in (TokenRole.collector, TokenRole.staff):
        raise Forbidden(f"token {principal.name!r} may not use this endpoint")
    return principal


StaffPrincipal = Annotated[Principal, Depends(require_staff)]
CollectorPrincipal = Annotated[Principal, Depends(require_collector)]


def sees_everything(principal: Principal | None) -> bool:
    """Staff see every review status; everyone else sees approved use cases only."""
    return principal is not None and principal.is_staff
