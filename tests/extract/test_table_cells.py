"""Cells that must stay in their own column, and counts that must not absorb a footnote mark.

The fixtures (tests/fixtures/tables/, made by :mod:`tests.extract.table_variants`) are one HTML page per
variant with its LibreOffice DOCX and PDF: the readers each format really goes through.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler import template as tpl
from crawler.extract import Record, extract, extract_file, extract_text
from crawler.extract.formats import read_text
from crawler.extract.record import Finding
from crawler.extract.tables import read_cell
from crawler.extract.text import Token
from tests.extract.table_variants import FIXTURES, expected

KINDS = ("html", "docx", "pdf")


@pytest.fixture(scope="module")
def records() -> dict[str, Record]:
    return {path.name: extract_file(path) for path in sorted(FIXTURES.iterdir()) if path.suffix[1:] in KINDS}


def _row(row: str) -> list[str]:
    return [f"t3_{row}_{col}" for col in tpl.T3_COLUMNS]


def _values(record: Record, keys: list[str]) -> dict[str, object]:
    return {key: record.cells[key].value for key in keys}


def _finding(record: Record, rule: str, table: str) -> Finding:
    return next(f for f in record.findings if f.rule == rule and f.table == table)


def _rules(record: Record, *rules: str) -> list[Finding]:
    return [f for f in record.findings if f.rule in rules]


@pytest.mark.parametrize("kind", KINDS)
def test_blank_cells_ending_a_t3_row_stay_in_their_columns(records: dict[str, Record], kind: str) -> None:
    """本年新收 with 总计 blank, 结转下年度 with 其他 and 总计 blank: the values keep their columns."""
    record = records[f"cells.{kind}"]
    want = expected("cells")
    for row in ("new", "carried_out"):
        assert _values(record, _row(row)) == {key: want[key] for key in _row(row)}, row
    assert record.cells["t3_new_total"].status == "missing"
    p02 = _finding(record, "P02", "t3")
    assert set(p02.keys) == {"t3_new_total", "t3_carried_out_other_org", "t3_carried_out_total"}
    assert not [f for f in _rules(record, "V21") if f.evidence["row"] in ("new", "carried_out")]


@pytest.mark.parametrize("kind", KINDS)
def test_blank_first_t4_cell_keeps_the_other_fourteen_in_place(records: dict[str, Record], kind: str) -> None:
    record = records[f"cells.{kind}"]
    want = expected("cells")
    keys = [key for key in tpl.T4_KEYS if key != "t4_suit_direct_upheld"]  # a marked count, below
    assert _values(record, keys) == {key: want[key] for key in keys}
    assert record.cells["t4_review_upheld"].status == "missing"
    assert _finding(record, "P02", "t4").keys == ("t4_review_upheld",)
    assert not [f for f in _rules(record, "V23") if f.evidence["block"] != "suit_direct"]


@pytest.mark.parametrize("kind", KINDS)
def test_enclosed_and_superscript_digits_are_footnote_marks(records: dict[str, Record], kind: str) -> None:
    """「1①」「2⑴」「11²」: NFKC would make them 11, 21, 112."""
    record = records[f"cells.{kind}"]
    raws = {"t3_granted_natural": "1①", "t3_partial_natural": "2⑴", "t3_unable_not_held_natural": "11²"}
    for key, raw in raws.items():
        cell = record.cells[key]
        assert (cell.value, cell.status, cell.raw) == (None, "blank", raw), key
    assert set(raws) <= set(_finding(record, "P05", "t3").keys)


@pytest.mark.parametrize("kind", KINDS)
def test_a_sup_footnote_mark_is_not_read_as_a_digit(records: dict[str, Record], kind: str) -> None:
    """<sup>1</sup> after 2 (上年结转 自然人) and <sup>2</sup> after 5 (未经复议直接起诉 结果维持)."""
    record = records[f"cells.{kind}"]
    for key, raw in (("t3_carried_in_natural", "2¹"), ("t4_suit_direct_upheld", "5²")):
        cell = record.cells[key]
        assert (cell.value, cell.status, cell.raw.replace(" ", "") if cell.raw else None) == (None, "blank", raw)
    assert "t3_carried_in_natural" in _finding(record, "P05", "t3").keys
    assert _finding(record, "P05", "t4").keys == ("t4_suit_direct_upheld",)
    assert not _rules(record, "V20", "V21", "V22", "V23")


@pytest.mark.parametrize("kind", KINDS)
def test_a_published_subtotal_column_is_dropped(records: dict[str, Record], kind: str) -> None:
    """法人或其他组织 with a 小计 column: each template column is read from its own header column."""
    record = records[f"subtotal.{kind}"]
    want = expected("subtotal")
    assert _values(record, list(want)) == want
    assert _finding(record, "P04", "t3").evidence["dropped_columns"] == ["小计"]
    assert not _rules(record, "P02", "P05", "V20", "V21", "V22")
    assert record.t3_alignment == "gapped"


def _text(name: str) -> str:
    return read_text((FIXTURES / name).read_bytes(), filename=name).text


def _replace_row(text: str, label: str, row: str) -> str:
    lines = text.split("\n")
    index = next(n for n, line in enumerate(lines) if line.startswith(label))
    return "\n".join([*lines[:index], row, *lines[index + 1 :]])


def test_a_short_t3_row_without_cell_positions_is_reported_not_guessed() -> None:
    """Six numbers after the label and no empty cells kept: a blank 总计 and a blank 自然人 look the same."""
    want = expected("cells")
    numbers = "\t".join(str(want[key]) for key in _row("new")[:6])
    text = _replace_row(_text("cells.html"), "一、本年新收", f"一、本年新收政府信息公开申请数量\t{numbers}")
    record = extract_text(text, doc_id="short_row")
    assert {record.cells[key].status for key in _row("new")} == {"missing"}
    p02 = _finding(record, "P02", "t3")
    assert set(_row("new")) <= set(p02.keys) and p02.evidence["ambiguous"] == ["new"]
    assert not [f for f in _rules(record, "V20", "V21") if set(f.keys) & set(_row("new"))]


def test_a_short_t4_row_is_reported_not_guessed() -> None:
    want = expected("subtotal")
    numbers = "\t".join(str(want[key]) for key in tpl.T4_KEYS[1:])
    text = _replace_row(_text("subtotal.html"), str(want["t4_review_upheld"]) + "\t", numbers)
    record = extract_text(text, doc_id="short_t4")
    assert {record.cells[key].status for key in tpl.T4_KEYS} == {"missing"}
    assert set(_finding(record, "P02", "t4").keys) == set(tpl.T4_KEYS)
    assert not _rules(record, "V23")


@pytest.mark.parametrize(
    "raw", ["30①", "30⑴", "30⒈", "30⓪", "30¹", "30²", "30³", "30⁴", "30₁", "30㉑", "30㊱", "①", "３０①"]
)
def test_read_cell_refuses_a_count_with_a_footnote_mark(raw: str) -> None:
    assert read_cell(Token(raw, 1), "t3_new_natural", 1).status == "blank"


@pytest.mark.parametrize(("raw", "value"), [("30", 30), ("３０", 30), ("\xa030", 30), ("1,234", 1234)])
def test_read_cell_still_reads_plain_counts(raw: str, value: int) -> None:
    assert read_cell(Token(raw, 1), "t3_new_natural", 1).value == value


def test_fixtures_are_the_committed_files() -> None:
    """The three producers' files exist for both variants (regenerate: python -m tests.extract.table_variants)."""
    names = {path.name for path in FIXTURES.iterdir()}
    assert names >= {f"{variant}.{kind}" for variant in ("cells", "subtotal") for kind in KINDS}
    assert extract(Path(FIXTURES / "cells.pdf").read_bytes(), filename="cells.pdf").template_version == "gb2021"
