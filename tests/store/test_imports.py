"""The store package is the bottom layer: it knows nothing of what its objects mean (edits, reports…)."""

from __future__ import annotations

import ast
from pathlib import Path

STORE = Path(__file__).resolve().parents[2] / "crawler" / "store"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (function-level imports included), absolute names."""
    package = "crawler.store"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against crawler.store
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_nothing_in_the_store_package_imports_crawler_edits() -> None:
    files = sorted(STORE.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "base.py", "catalog.py", "local.py", "s3.py", "spool.py"}
    offenders = {
        f.name: sorted(m for m in imported_modules(f) if m == "crawler.edits" or m.startswith("crawler.edits."))
        for f in files
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_import_check_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from crawler.edits import note_edit\n\nfrom .. import edits\n", encoding="utf-8")
    assert {"crawler.edits", "crawler.edits.note_edit"} <= imported_modules(sample)
