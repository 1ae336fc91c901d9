"""The archive's key layout is spelled in one module (crawler/keys.py); archives made before keep working."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from crawler import keys

ROOT = Path(__file__).resolve().parent.parent
# A string that is a piece of the layout: an internal folder, or a name the catalogue/extraction use.
LAYOUT = re.compile(
    r"^(_crawls|_warc|_events|_dashboard|_alerts|_column|_year)(/|$)|(report\.json|\.record\.(json|txt))$"
)


def test_the_layout_is_the_archives_of_before() -> None:
    prefix = keys.report_prefix("wuchang", "yyj", 2024)
    assert prefix == "wuchang/yyj/2024"
    assert keys.report_file(prefix, "../报告 2024.pdf") == "wuchang/yyj/2024/报告 2024.pdf"
    assert keys.report_json(prefix) == "wuchang/yyj/2024/report.json"
    assert keys.record_key(f"{prefix}/a.pdf") == "wuchang/yyj/2024/a.pdf.record.json"
    assert keys.record_text_key(f"{prefix}/a.pdf") == "wuchang/yyj/2024/a.pdf.record.txt"
    assert keys.column_page("wuchang", "yyj", None, "index_1.html") == "wuchang/yyj/_column/index_1.html"
    assert keys.column_page("hanyang", None, 2024, "index.html") == "hanyang/_year/2024/_column/index.html"
    assert keys.crawl_log("wuchang", "20250210T000000Z-1") == "_crawls/wuchang/20250210T000000Z-1.jsonl"
    assert keys.crawl_logs_prefix("wuchang") == "_crawls/wuchang/"
    assert keys.crawl_log_id("_crawls/wuchang/c1.jsonl") == "c1"
    assert keys.crawl_log_portal("_crawls/wuchang/c1.jsonl") == "wuchang"
    assert keys.crawl_log_portal("wuchang/yyj/2024/a.pdf") is None
    assert keys.warc_prefix("wuchang") == "_warc/wuchang/"
    assert keys.warc_prefix("wuchang", "c1") == "_warc/wuchang/c1/"
    assert keys.warc_digests("wuchang") == "_warc/wuchang/digests.json"
    assert keys.edit_event("wuchang/yyj/2024/a.pdf", 2) == "_events/edits/wuchang/yyj/2024/a.pdf-v2.json"
    assert keys.edits_prefix() == "_events/edits/"
    assert keys.dashboard_page("index.html") == "_dashboard/index.html"
    assert keys.ALERT_STATE == "_alerts/state.json"
    assert keys.crawl_lock("wuchang") == "crawl-wuchang"


def test_report_files_are_told_from_every_other_key() -> None:
    assert keys.is_report_file("wuchang/yyj/2024/a.pdf")
    assert keys.is_report_file("wuchang/yyj/2024/t20250120_1.html")
    for other in (
        "wuchang/yyj/2024/report.json",
        "wuchang/yyj/2024/a.pdf.record.json",
        "wuchang/yyj/2024/a.pdf.record.txt",
        "wuchang/yyj/_column/index.html",
        "_crawls/wuchang/c1.jsonl",
        "_warc/wuchang/c1/x.warc.gz",
    ):
        assert not keys.is_report_file(other), other


def layout_literals(path: Path, root: Path = ROOT) -> list[str]:
    """String constants of ``path`` that spell a piece of the key layout (docstrings left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        and LAYOUT.search(node.value)
    ]  # fmt: skip


def test_no_product_module_but_crawler_keys_spells_the_layout() -> None:
    product = [*ROOT.glob("crawler/**/*.py"), *ROOT.glob("pipelines/**/*.py"), *ROOT.glob("spiders/**/*.py")]
    spelled = [
        hit
        for path in sorted(product)
        if path != ROOT / "crawler" / "keys.py" and "replica" not in path.relative_to(ROOT).parts
        for hit in layout_literals(path)
    ]
    assert spelled == []


def test_the_spelling_check_finds_a_literal(tmp_path: Path) -> None:
    path = tmp_path / "sample.py"
    path.write_text('"""report.json is fine in a docstring."""\nKEY = "_crawls/" + "x"\n', encoding="utf-8")
    assert layout_literals(path, tmp_path) == ["sample.py:2: '_crawls/'"]
