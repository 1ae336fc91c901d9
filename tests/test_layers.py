"""The replica is not part of the crawler: no product module imports it, and the crawler runs without it.

`replica/` (the simulated portals) ships beside the product as an optional extra. Only the two commands
that serve it, `scrapy replica` and `scrapy demo`, import it, and only inside their run, so that
`scrapy list`, `scrapy crawl` and every other command work where the extra is not installed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("crawler", "spiders", "pipelines")
# The only product modules allowed to import the replica, and only inside a function.
LAZY_IMPORTERS = {"crawler/commands/replica.py", "crawler/commands/demo.py"}


def _is_replica(module: str) -> bool:
    return module == "replica" or module.startswith("replica.")


def replica_imports(tree: ast.AST) -> list[tuple[int, bool]]:
    """(line, inside a function) of every import of the replica in a module's syntax tree, including
    ``importlib.import_module("replica…")`` and ``__import__("replica…")`` with a literal name."""
    found: list[tuple[int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        if any(_is_replica(name) for name in names):
            found.append((getattr(node, "lineno", 0), in_function))
        nested = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, nested)

    visit(tree, False)
    return found


def product_files() -> list[Path]:
    return sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py"))


def test_the_checker_sees_every_way_of_importing() -> None:
    source = (
        "import replica\n"
        "from replica.site import Site\n"
        "import os, replica.server as rs\n"
        "def run():\n"
        "    from replica import documents\n"
        "    importlib.import_module('replica.faults')\n"
        "from replicas import x\n"  # another name: not the replica
        "from .replica import y\n"  # a relative import inside a package: not the replica
    )
    assert replica_imports(ast.parse(source)) == [(1, False), (2, False), (3, False), (5, True), (6, True)]


def test_no_product_module_imports_the_replica() -> None:
    files = product_files()
    assert len(files) > 50 and ROOT / "crawler/commands/demo.py" in files
    offenders, lazy = [], set()
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for line, in_function in replica_imports(ast.parse(path.read_text(encoding="utf-8"), rel)):
            if rel in LAZY_IMPORTERS and in_function:
                lazy.add(rel)
            else:
                offenders.append(f"{rel}:{line}")
    assert offenders == []
    assert lazy == LAZY_IMPORTERS  # the two commands do use it (else this test checks nothing)


# Runs `scrapy ARGS` (or imports every product module) in a process where importing `replica` fails,
# and prints each attempt on stderr, so that an import swallowed by a try/except is seen too.
BLOCKER = """
import importlib.abc, sys
class NoReplica(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "replica" or name.startswith("replica."):
            print("REPLICA-IMPORTED " + name, file=sys.stderr, flush=True)
            raise ModuleNotFoundError("No module named " + repr(name), name=name)
        return None
sys.meta_path.insert(0, NoReplica())
"""


def _without_replica(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


SCRAPY = "from scrapy.cmdline import execute\nsys.argv[0] = 'scrapy'\nexecute()\n"


def test_scrapy_list_works_without_the_replica() -> None:
    result = _without_replica(SCRAPY, "list")
    assert result.returncode == 0, result.stderr
    assert "REPLICA-IMPORTED" not in result.stderr
    assert {"wuchang", "qiaokou", "whdonghu"} <= set(result.stdout.split())


def test_scrapy_help_loads_every_command_without_the_replica() -> None:
    result = _without_replica(SCRAPY, "-h")
    assert result.returncode == 0, result.stderr
    assert "REPLICA-IMPORTED" not in result.stderr
    for command in ("demo", "replica", "read", "crawl", "status"):
        assert f"\n  {command} " in result.stdout


def test_every_product_module_imports_without_the_replica() -> None:
    code = (
        "import importlib, pathlib\n"
        "for path in sorted(p for d in ('crawler', 'spiders', 'pipelines') for p in pathlib.Path(d).rglob('*.py')):\n"
        "    importlib.import_module('.'.join(path.with_suffix('').parts).removesuffix('.__init__'))\n"
        "print('imported', len(list(sys.modules)))\n"
    )
    result = _without_replica(code)
    assert result.returncode == 0, result.stderr
    assert "REPLICA-IMPORTED" not in result.stderr
    assert result.stdout.startswith("imported ")


@pytest.mark.parametrize("command", [["replica", "--port", "0"], ["demo"]])
def test_the_replica_commands_say_what_to_install(command: list[str]) -> None:
    result = _without_replica(SCRAPY, *command)
    assert result.returncode == 2  # Scrapy's usage error
    assert "REPLICA-IMPORTED replica" in result.stderr  # the command did try, at run time
    assert "the replica is not installed" in result.stderr
    assert "pip install -e '.[replica]'" in result.stderr


def test_the_registry_holds_no_replica_only_fields() -> None:
    """How each host draws its metadata block and numbers its 索引号 is the replica's knowledge (the
    crawler reads every date label whatever the block): it lives in replica/reality.py."""
    from crawler.registry import Portal, Unit
    from replica.reality import DETAIL_BLOCKS, INDEX_NO_PREFIXES

    text = (ROOT / "config/portals.yaml").read_text(encoding="utf-8")
    for name in ("detail_template", "index_no_prefix"):
        assert name not in text
        assert name not in Portal.model_fields and name not in Unit.model_fields
    assert DETAIL_BLOCKS["wuchang"] == "wuchang_meta" and INDEX_NO_PREFIXES["wuchang"] == "737546075"
