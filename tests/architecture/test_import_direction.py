"""Arrows point down (docs/architecture.md "The rooms"): every import statement of the product's packages,
including imports inside functions, is checked against the allowed directions. A new upward import fails here.

    devstack (the local demo stack and test servers)  ->  anything below
    registry, collector, dashboards, edge_agent        ->  i5g (the kernel), and their own package
    registry                                           ->  edge_agent.settings (the agent's own settings model,
                                                           one definition for remote configuration)
    i5g (the kernel)                                   ->  i5g only
    registry/<domain>/models.py                        ->  registry.db, registry.enums, registry.fields, models
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("i5g", "registry", "collector", "dashboards", "edge_agent", "devstack")
ALLOWED: dict[str, tuple[str, ...]] = {
    "i5g": ("i5g",),
    "edge_agent": ("edge_agent", "i5g"),
    "collector": ("collector", "i5g"),
    "dashboards": ("dashboards", "i5g"),
    "registry": ("registry", "i5g", "edge_agent.settings", "edge_agent.sources.settings"),
    "devstack": PRODUCT,
}
MODEL_IMPORTS = ("registry.db", "registry.enums", "registry.fields")


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield node.lineno, f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.lineno, node.module


def _product_modules() -> list[Path]:
    return sorted(path for top in PRODUCT if (REPO / top).is_dir() for path in (REPO / top).rglob("*.py"))


def _is_under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def violations(path: Path) -> list[str]:
    top = path.relative_to(REPO).parts[0]
    # registry/models.py is the module that gathers every table (and the hook spanning them), not a model.
    is_model = top == "registry" and path.name == "models.py" and path.parent.name != "registry"
    found = []
    for lineno, module in _imports(path):
        if not _is_under(module, PRODUCT):
            continue  # stdlib and third-party packages
        if not _is_under(module, ALLOWED[top]):
            found.append(f"{path.relative_to(REPO)}:{lineno} imports {module} ({top} may import {ALLOWED[top]})")
        elif is_model and not (_is_under(module, MODEL_IMPORTS) or module.endswith(".models")):
            found.append(f"{path.relative_to(REPO)}:{lineno} imports {module} (models know only models)")
    return found


def test_every_import_points_down() -> None:
    modules = _product_modules()
    assert len(modules) > 150
    problems = [problem for path in modules for problem in violations(path)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("i5g/contract.py", "from registry.broker import dynsec\n", "i5g may import"),
        ("edge_agent/agent.py", "def f():\n    import collector.writer\n", "edge_agent may import"),
        ("collector/app.py", "from registry.db import Base\n", "collector may import"),
        ("registry/gateways/models.py", "from registry.usecases.search import reindex\n", "models know only models"),
    ],
)
def test_an_upward_import_is_caught(tmp_path: Path, where: str, source: str, expected: str) -> None:
    # The checker reads files under REPO: write the probe beside the real module and remove it again.
    probe = REPO / where
    probe = probe.with_name(f"_probe_{tmp_path.name}_{probe.name}") if probe.name != "models.py" else probe
    if probe.name == "models.py":
        probe = probe.with_name("models.py")
        original = probe.read_text(encoding="utf-8")
        try:
            probe.write_text(original + "\n" + source, encoding="utf-8")
            assert any(expected in problem for problem in violations(probe))
        finally:
            probe.write_text(original, encoding="utf-8")
        return
    try:
        probe.write_text(source, encoding="utf-8")
        assert any(expected in problem for problem in violations(probe))
    finally:
        probe.unlink()
