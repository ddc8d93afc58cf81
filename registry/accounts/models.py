from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from registry.enterprises.models import Enterprise

EMAIL_MAX = 254  # RFC 5321 path limit
PASSWORD_HASH_MAX = 255


class UserRole(StrEnum):
    enterprise = "enterprise"  # registers and edits its own enterprise's use cases and gateways
    staff = "staff"  # reviews submissions, sees everything, exports the catalog


class RoleChecks:
    """is_staff / is_enterprise for anything with a `role` (the ORM user and the pages' snapshot of it)."""

    role: UserRole

    @property
    def is_staff(self) -> bool:
        return self.role == UserRole.staff

    @property
    def is_enterprise(self) -> bool:
        return self.role == UserRole.enterprise


class User(RoleChecks, Base):
    __tablename__ = "users"
    __table_args__ = (
        # An enterprise user always belongs to an enterprise; staff belong to none.
        CheckConstraint(
            "(role = 'enterprise' AND enterprise_id IS NOT NULL) OR (role = 'staff' AND enterprise_id IS NULL)",
            name="role_enterprise",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(PASSWORD_HASH_MAX))
    role: Mapped[UserRole] = mapped_column(enum_type(UserRole))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enterprise: Mapped[Enterprise | None] = relationship()


class WebSession(Base):
    """A logged-in browser. The cookie carries a random session id; only its SHA-256 is stored, so the table
    cannot be replayed. Deleting the row ends the session at once, whatever copies of the cookie exist."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Failed password checks counted under one key: an (account, address) pair, an address, or an account.
    Keys are stored as SHA-256 (what was typed as an e-mail may be a password). In the database rather than in
    process memory so every registry worker sees the same counts."""

    __tablename__ = "login_throttles"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Pair keys only: the account logged in from this address; such an address is spared the per-account limit.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
