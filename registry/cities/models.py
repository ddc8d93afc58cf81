from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class CityFigure(Base):
    """One figure a municipal document states, e.g. 常州 5G base stations 2023: 12000 (个)."""

    __tablename__ = "city_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    province: Mapped[str] = mapped_column(String(64), index=True)
    metric: Mapped[str] = mapped_column(String(100), index=True)  # e.g. base_stations, coverage_pct, target_...
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32), default="")
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    as_of: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    source_document: Mapped[str | None] = mapped_column(String(300))
    source_excerpt: Mapped[str | None] = mapped_column(Text)
    seed_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
