"""Reusable pydantic field types for the input schemas: trimmed strings with the database column's limit."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints


def text(max_length: int) -> type[str]:
    """A required, trimmed, non-empty string of at most `max_length` characters."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)]  # type: ignore[return-value]


def long_text(max_length: int) -> type[str]:
    """A trimmed string that may be empty (descriptions)."""
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=max_length)]  # type: ignore[return-value]


class PartialUpdate(BaseModel):
    """Base of PATCH bodies: only the fields sent change, unknown fields are rejected.

    A column that may not be NULL is declared as `name: text(N) = None` (type without None, default None):
    leaving it out is fine (the default is not validated), sending `null` is a validation error on that field.
    """

    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return self.model_dump(exclude_unset=True)
