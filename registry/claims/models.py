"""A request to become the owner of a registered enterprise that has no accounts yet (a seeded record)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.accounts.models import EMAIL_MAX, PASSWORD_HASH_MAX, User
from registry.db import Base, UTCDateTime, enum_type, utcnow
from registry.enterprises.models import CONTACT_MAX, CREDIT_CODE_LEN, Enterprise

MESSAGE_MAX = 2000
NOTE_MAX = 2000


class ClaimStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class EnterpriseClaim(Base):
    __tablename__ = "enterprise_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The enterprise claimed. Deleting it deletes its claims (nothing left to own).
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    status: Mapped[ClaimStatus] = mapped_column(enum_type(ClaimStatus), index=True, default=ClaimStatus.pending)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), index=True)  # the claimant, lower-case
    # A claim made from an existing account: that account moves to the enterprise on approval, and the
    # enterprise it signed up with (a provisional duplicate) is merged into the claimed one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # A claim made at sign-up: the account is created on approval with this password (argon2 hash, never the
    # password). Cleared once the claim is decided.
    password_hash: Mapped[str | None] = mapped_column(String(PASSWORD_HASH_MAX))
    credit_code: Mapped[str | None] = mapped_column(String(CREDIT_CODE_LEN))  # as the claimant gave it
    contact: Mapped[str | None] = mapped_column(String(CONTACT_MAX))
    message: Mapped[str] = mapped_column(Text, default="")  # how staff can check who is asking
    reviewer_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enterprise: Mapped[Enterprise] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def from_account(self) -> bool:
        return self.user_id is not None

    @property
    def enterprise_name(self) -> str:
        return self.enterprise.name

    @property
    def enterprise_credit_code(self) -> str | None:
        return self.enterprise.credit_code
