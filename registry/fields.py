"""Reusable pydantic field types for the input schemas: trimmed strings with the database column's limit.

Text is also refused when it holds control characters (C0 and C1, and in single-line text also tab and line
breaks) or lone surrogates: they are invisible on the pages, break CSV exports and terminals, and a lone
surrogate cannot even be stored as UTF-8. The error type is `control_character`, which the web forms translate.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

_SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # \t \n \r allowed


def _refuse(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found is not None:
            raise PydanticCustomError(
                "control_character",
                "must not contain control characters (U+{code} at position {position})",
                {"code": f"{ord(found.group()):04X}", "position": found.start()},
            )
        return value

    return AfterValidator(check)


def text(max_length: int) -> type[str]:
    """A required, trimmed, non-empty, single-line string of at most `max_length` characters."""
    constraints = StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)
    return Annotated[str, constraints, _refuse(_SINGLE_LINE_FORBIDDEN)]  # type: ignore[return-value]


def long_text(max_length: int) -> type[str]:
    """A trimmed string that may be empty and may have line breaks and tabs (descriptions)."""
    constraints = StringConstraints(strip_whitespace=True, max_length=max_length)
    return Annotated[str, constraints, _refuse(_MULTI_LINE_FORBIDDEN)]  # type: ignore[return-value]


class PartialUpdate(BaseModel):
    """Base of PATCH bodies: only the fields sent change, unknown fields are rejected.

    A column that may not be NULL is declared as `name: text(N) = None` (type without None, default None):
    leaving it out is fine (the default is not validated), sending `null` is a validation error on that field.
    """

    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return self.model_dump(exclude_unset=True)
