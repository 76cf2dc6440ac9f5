"""The layers hold: bot -> dialogs -> (storage, content), and the Teams SDK only under bot/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAY_NOT_IMPORT = {
    "dialogs": {"bot", "aiohttp", "tinydb", "botbuilder", "msrest"},
    "content": {"bot", "dialogs", "botbuilder", "msrest"},
    "storage": {"bot", "dialogs", "botbuilder", "msrest"},
}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(MAY_NOT_IMPORT))
def test_no_import_runs_against_the_layers(package):
    wrong = {str(p.relative_to(ROOT)): sorted(imported(p) & MAY_NOT_IMPORT[package])
             for p in sorted((ROOT / package).rglob("*.py"))}
    assert {k: v for k, v in wrong.items() if v} == {}
