"""From an HTML form to a validated schema, and from pydantic's errors to one translated message per field.

The registry's own input schemas (registry/*/schemas.py) decide what is valid, so the pages and the JSON API
accept exactly the same data; this module only adapts form strings to them and explains the errors in the
page's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

M = TypeVar("M", bound=BaseModel)

# pydantic error type -> message key (registry.web.i18n); the ctx of the error fills the placeholders.
_ERROR_KEYS: dict[str, str] = {
    "missing": "err.required",
    "string_too_short": "err.required",
    "string_too_long": "err.too_long",
    "too_long": "err.too_long",
    "enum": "err.invalid_choice",
    "literal_error": "err.invalid_choice",
    "int_parsing": "err.invalid_number",
    "int_from_float": "err.invalid_number",
    "float_parsing": "err.invalid_number",
    "finite_number": "err.invalid_number",
    "greater_than_equal": "err.negative",
    "greater_than": "err.negative",
    "date_parsing": "err.invalid_date",
    "date_from_datetime_parsing": "err.invalid_date",
    "date_type": "err.invalid_date",
    "control_character": "err.control_character",
}


@dataclass
class FormResult(Generic[M]):
    """`values` re-fill the form exactly as the user typed them; `errors` maps a field to its message."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    data: M | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.data is not None


def form_values(form: FormData, text_fields: Iterable[str], list_fields: Iterable[str] = ()) -> dict[str, Any]:
    """The submitted strings (lists for multi-selects), as typed, for re-rendering."""
    values: dict[str, Any] = {}
    for name in text_fields:
        raw = form.get(name)
        values[name] = raw if isinstance(raw, str) else ""
    for name in list_fields:
        values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    return values


def schema_input(values: Mapping[str, Any]) -> dict[str, Any]:
    """Blank fields are left out, so optional ones take their default and required ones report "missing"."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str):
            if value.strip():
                cleaned[name] = value
        else:
            cleaned[name] = value
    return cleaned


def explain(
    exc: ValidationError,
    t: Callable[..., str],
    field_fallbacks: Mapping[str, str] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """One message per form field (the first error of each). `aliases` maps a schema field to the form field
    that shows it; `field_fallbacks` gives the message key for validator errors pydantic only describes in
    English (e.g. a bad credit code)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ("",)
        name = str(loc[0])
        name = (aliases or {}).get(name, name)
        if name in errors:
            continue
        key = _ERROR_KEYS.get(error.get("type", ""))
        if key is None:
            key = (field_fallbacks or {}).get(name, "err.invalid")
        ctx = error.get("ctx") or {}
        errors[name] = t(key, max=ctx.get("max_length", ""))
    return errors


def validate(
    schema: type[M],
    values: Mapping[str, Any],
    t: Callable[..., str],
    field_fallbacks: Mapping[str, str] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> FormResult[M]:
    result: FormResult[M] = FormResult(values=dict(values))
    try:
        result.data = schema.model_validate(schema_input(values))
    except ValidationError as exc:
        result.errors = explain(exc, t, field_fallbacks, aliases)
    return result
