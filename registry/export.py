"""File exports of listings: CSV (UTF-8 with a BOM, so Excel opens Chinese text correctly) and JSON.

Every CSV the project writes goes through `csv_response` (one `csv.writer` in the code base), and every cell
through `csv_cell`: a text cell that a spreadsheet would read as a formula is neutralised the way OWASP's
CSV-injection guidance says, by prefixing a single quote. That covers `=`, `+`, `-`, `@`, tab and CR, their
full-width forms (Excel and WPS fold U+FF1D/U+FF0B/U+FF0D/U+FF20 to the ASCII operators), and a cell whose
first such character is hidden behind leading spaces or invisible format characters.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import Response

BOM = "\ufeff"
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _first_visible(value: str) -> str:
    for char in value:
        if char not in " \u3000" and unicodedata.category(char) != "Cf":
            return char
    return ""


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: None -> empty, a text that could start a formula -> prefixed with a quote.
    Numbers stay numbers (a negative amount is data, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, str) and _first_visible(value) in FORMULA_TRIGGERS:
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line ends, what Excel writes
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return Response(
        buffer.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def json_response(filename: str, items: list[Any]) -> Response:
    body = {"items": items, "total": len(items), "exported_at": datetime.now(UTC).isoformat()}
    return Response(
        json.dumps(body, ensure_ascii=False, default=str).encode("utf-8"),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
