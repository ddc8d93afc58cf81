"""Reusable pydantic field types for the input schemas: trimmed strings with the database column's limit.

Text is also refused when it holds control characters (C0 and C1, and in single-line text also tab and line
breaks) or lone surrogates: they are invisible on the pages, break CSV exports and terminals, and a lone
surrogate cannot even be stored as UTF-8. The error type is `control_character`, which the web forms translate.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints
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


# Invisible characters that are not format characters (Cf) but render as nothing: the combining grapheme
# joiner, Hangul fillers, Khmer inherent vowels, Mongolian free variation selectors and the variation selectors.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0") | frozenset(
    chr(code) for code in range(0xFE00, 0xFE10)
)
_WHITESPACE_RUN = re.compile(r"\s+")


def clean_name(value: str) -> str:
    """The display form of a name: NFC, without format characters (zero-width spaces and joiners, direction
    marks and overrides, BOM, word joiner ...) or other invisible characters, whitespace runs collapsed to one
    space, trimmed. What the user sees is what is stored."""
    composed = unicodedata.normalize("NFC", value)
    visible = "".join(c for c in composed if c not in _INVISIBLE and unicodedata.category(c) != "Cf")
    return _WHITESPACE_RUN.sub(" ", visible).strip()


def name_key(value: str) -> str:
    """What two names are compared on for uniqueness: the cleaned name in NFKC (full-width and compatibility
    forms folded: "ＡＢＣ" = "ABC"), case-folded. Names with the same key are the same name."""
    # Cleaned again: NFKC can turn a character into spaces (U+2002 ...), and must not leave what clean_name drops.
    return clean_name(unicodedata.normalize("NFKC", clean_name(value)).casefold())


def _clean_if_text(value: Any) -> Any:
    return clean_name(value) if isinstance(value, str) else value


def name_text(max_length: int) -> type[str]:
    """A name that must be unique (enterprise names): `text` of its cleaned display form (`clean_name`); the
    model stores `name_key` beside it with a unique index."""
    return Annotated[text(max_length), BeforeValidator(_clean_if_text)]  # type: ignore[return-value]
