"""Options for the select/checkbox widgets and filter menus, labelled in the page's language."""

from __future__ import annotations

from registry import enums
from registry.web.i18n import Lang


def enum_options(enum_name: str, lang: Lang) -> list[tuple[str, str]]:
    """(value, label) for every member of the registry enum called `enum_name`."""
    enum_cls = getattr(enums, enum_name)
    return [(value, zh if lang == "zh" else en) for value, zh, en in enums.choices(enum_cls)]
