"""The panel catalogue in docs/dashboards.md: each dashboard and each panel's question, generated from the
dashboards themselves (title + description), so the documentation cannot drift from what Grafana shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "dashboards.md"


def in_checkout() -> bool:
    """True in a source checkout (docs/ beside the package); an installed wheel has no docs/dashboards.md, so
    the catalogue in it is neither refreshed nor compared there."""
    return DOC_PATH.is_file()


BEGIN = "<!-- BEGIN GENERATED CATALOGUE (i5g dashboards build) -->"
END = "<!-- END GENERATED CATALOGUE -->"


def catalogue(boards: dict[str, dict[str, Any]]) -> str:
    lines: list[str] = []
    for name, board in boards.items():
        lines += [f"### {board['title']}", "", f"uid `{board['uid']}`, file `dashboards/generated/{name}`.", ""]
        lines += [board.get("description", ""), ""]
        variables = [v["name"] for v in board.get("templating", {}).get("list", [])]
        if variables:
            lines += [f"Variables: {', '.join(f'`{v}`' for v in variables)}.", ""]
        for panel in board.get("panels", []):
            if panel["type"] == "row":
                if lines[-1]:
                    lines.append("")  # a paragraph after a list needs a blank line in Markdown
                lines += [f"**{panel.get('title', '')}**", ""]
            else:
                lines.append(f"- *{panel.get('title', '')}* ({panel['type']}): {panel.get('description', '')}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_doc(text: str, boards: dict[str, dict[str, Any]]) -> str:
    """`text` with the part between the markers replaced by the current catalogue."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"{DOC_PATH} lacks the catalogue markers {BEGIN!r} ... {END!r}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{catalogue(boards)}\n{END}{tail}"
