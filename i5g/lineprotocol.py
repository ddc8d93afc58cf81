"""InfluxDB line protocol: escaping and assembling one point. Pure and standard-library only; the collector
writes samples with it and the evidence rollup writes its aggregates with it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

FieldValue = bool | int | float | str

_TAG_ESCAPES = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ ", "\n": " ", "\r": " "})


def escape_tag(value: str) -> str:
    """Tag keys and values: commas, equals signs and spaces are escaped; newlines cannot be represented."""
    # A trailing backslash would escape the separator after it and corrupt the line: it is dropped.
    return value.translate(_TAG_ESCAPES).rstrip("\\")


def format_field(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value)
    text = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    return f'"{text}"'


def tag_set(tags: Iterable[tuple[str, str]]) -> str:
    """`,k=v,k=v` sorted by key (InfluxDB's preferred order), empty values left out."""
    return "".join(f",{escape_tag(k)}={escape_tag(v)}" for k, v in sorted(tags) if v)


cached_tag_set = lru_cache(maxsize=4096)(tag_set)  # gateways' tag sets repeat for every sample


def line(measurement: str, tags: str, fields: dict[str, FieldValue], ts_ms: int) -> str:
    body = ",".join(f"{name}={format_field(value)}" for name, value in fields.items())
    return f"{measurement}{tags} {body} {ts_ms}"
