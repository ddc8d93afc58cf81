from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.db import Base, UTCDateTime, utcnow
from registry.fields import name_key

if TYPE_CHECKING:
    from registry.usecases.models import UseCase

NAME_MAX = 200
PLACE_MAX = 64
INDUSTRY_MAX = 100
CONTACT_MAX = 200
CREDIT_CODE_LEN = 18
INDUSTRY_CODE_LEN = 3  # a GB/T 4754-2017 division: section letter + two digits (industry_class.py)
SEED_KEY_MAX = 200


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    # registry.fields.name_key(name), kept by the model itself: two names that differ only by invisible
    # characters, width or case are the same enterprise (unique index). Text: NFKC may lengthen a name.
    name_key: Mapped[str] = mapped_column(Text, unique=True)
    name_en: Mapped[str | None] = mapped_column(String(NAME_MAX))
    city: Mapped[str] = mapped_column(String(PLACE_MAX), index=True)
    province: Mapped[str] = mapped_column(String(PLACE_MAX), index=True)
    # The wording of the source document or of the enterprise itself ("汽车及零部件"), kept as given.
    industry: Mapped[str] = mapped_column(String(INDUSTRY_MAX), index=True)
    # GB/T 4754-2017 division (enterprises/industry_class.py): what filters and counts group by. None only for
    # rows nobody has classified yet (the sources do not say, e.g. seed 光轩公司).
    industry_code: Mapped[str | None] = mapped_column(String(INDUSTRY_CODE_LEN), index=True)
    # Unified social credit code (统一社会信用代码, GB 32100-2015); checked in enterprises/creditcode.py.
    credit_code: Mapped[str | None] = mapped_column(String(CREDIT_CODE_LEN), unique=True)
    contact: Mapped[str | None] = mapped_column(String(CONTACT_MAX))
    # Set by the seed loader: the stable key of the seed record this row came from (idempotent upserts).
    seed_key: Mapped[str | None] = mapped_column(String(SEED_KEY_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @validates("name")
    def _keep_name_key(self, _attribute: str, value: str) -> str:
        self.name_key = name_key(value)
        return value

    use_cases: Mapped[list[UseCase]] = relationship(back_populates="enterprise", passive_deletes="all")
