from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, enum_type, utcnow
from registry.enums import TokenRole


class ApiToken(Base):
    """A bearer token for staff tools and the collector. Only the SHA-256 of the token is stored: tokens are
    32 random bytes, so a fast hash is enough and lookups stay a single indexed query."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[TokenRole] = mapped_column(enum_type(TokenRole))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
