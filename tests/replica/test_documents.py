"""The replica's report documents: deterministic, faithful to the template, readable in every format."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import docx
import pdfplumber
import pytest

from crawler import template as tpl
from crawler.replica import documents
from crawler.replica.reports import BREAKABLE, ReportSpec, expected_findings, make_report


def spec(seed: int = 7, year: int = 2022, broken: tuple[str, ...] = (), edition: int = 1) -> ReportSpec:
    return make_report(
        seed=seed, street="杨园街道", district="武昌区", publisher="武汉市武昌区人民政府杨园街道办事处",
        year=year, signed_date=dt.date(year + 1, 1, 8), broken_rules=broken, edition=edition,
    )  # fmt: skip


def arithmetic_failures(values: Any, version: str) -> set[str]:
    """Rules V20–V23 and V26 of report_format.md §4.2, written out from the spec's formulas."""
    failed = set()
    for c in tpl.T3_COLUMNS:
        if values[f"t3_new_{c}"] + values[f"t3_carried_in_{c}"] != (
            values[f"t3_total_processed_{c}"] + values[f"t3_carried_out_{c}"]
        ):
            failed.add("V20")
        if values[f"t3_total_processed_{c}"] != sum(values[f"t3_{r}_{c}"] for r in tpl.t3_outcome_rows(version)):
            failed.add("V22")
    for r in tpl.t3_rows(version):
        if values[f"t3_{r}_total"] != sum(values[f"t3_{r}_{c}"] for c in tpl.T3_COLUMNS[:-1]):
            failed.add("V21")
    for block, _label in tpl.T4_BLOCKS:
        if values[f"t4_{block}_total"] != sum(
            values[f"t4_{block}_{c}"] for c in ("upheld", "corrected", "other", "pending")
        ):
            failed.add("V23")
    regulations = [k for k in values if k.startswith(("t2_regulations_", "t2_19_regulations_"))]
    if any(int(values[k] or 0) > 0 for k in regulations):
        failed.add("V26")
    return failed


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2025])
def test_every_key_of_the_template_and_all_rules_hold(year: int) -> None:
    for seed in range(200):
        report = spec(seed, year)
        assert set(report.values) == set(tpl.table_keys(tpl.expected_template(year)))
        assert arithmetic_failures(report.values, report.template) == set(), seed
    assert spec(1, 2020).template == "gb2019" and spec(1, 2021).template == "gb2021"


@pytest.mark.parametrize("rule", ["V20", "V21", "V22", "V23", "V26"])
def test_each_broken_rule_breaks_exactly_that_rule(rule: str) -> None:
    for seed in range(100):
        for year in (2020, 2023):
            report = spec(seed, year, (rule,))
            assert arithmetic_failures(report.values, report.template) == {rule}
            assert expected_findings(report) == (rule,)


def test_prose_agrees_with_tables_and_prose_rules_can_be_broken() -> None:
    report = spec(3, 2023)
    new = report.values["t3_new_total"]
    expected = f"全年共收到政府信息公开申请{new}件" if new else "2023年度杨园街道未收到政府信息公开申请"
    assert any(expected in p for p in report.prose["S3"])
    assert any("处理费" in p for p in report.prose["S6"])
    assert not any("处理费" in p for p in spec(3, 2023, ("V12",)).prose["S6"])
    assert any("2024年度" in p for p in spec(3, 2023, ("V05",)).prose["S5"])
    assert set(BREAKABLE) >= {"V05", "V12", "V20", "V21", "V22", "V23", "V26"}
    with pytest.raises(ValueError, match="cannot break"):
        spec(3, 2023, ("V99",))


def test_republished_edition_changes_numbers_not_rules() -> None:
    first, second = spec(5, 2024), spec(5, 2024, edition=2)
    assert first.values != second.values
    assert arithmetic_failures(second.values, second.template) == set()


def test_outputs_are_deterministic_and_seed_dependent() -> None:
    a, b = spec(11), spec(11)
    for render in (documents.render_html, documents.render_docx, documents.render_pdf):
        assert render(a) == render(b)
    assert documents.render_pdf(spec(12)) != documents.render_pdf(a)
    assert documents.render_docx(a)[:2] == b"PK" and documents.render_pdf(a)[:5] == b"%PDF-"


def _cell_texts(table: list[list[str | None]]) -> list[str]:
    return ["".join((cell or "").split()) for row in table for cell in row]


def test_pdf_tables_are_ruled_and_every_t3_value_reads_back() -> None:
    report = spec(21, 2023)
    with pdfplumber.open(io.BytesIO(documents.render_pdf(report))) as pdf:
        tables = [t for page in pdf.pages for t in page.extract_tables()]
    rows = [row for table in tables for row in table]
    by_label = {"".join((row[0] or "").split()): row for row in rows if row and row[0]}
    new = by_label["一、本年新收政府信息公开申请数量"]
    assert [c for c in new[1:] if c is not None] == [str(report.values[f"t3_new_{c}"]) for c in tpl.T3_COLUMNS]
    totals = next(row for row in rows if any((c or "") == "（七）总计" for c in row))
    assert [c for c in totals if c not in (None, "", "（七）总计")][-7:] == [
        str(report.values[f"t3_total_processed_{c}"]) for c in tpl.T3_COLUMNS
    ]
    assert "行政复议" in _cell_texts(tables[-1])


def test_docx_tables_have_merged_cells_and_every_value() -> None:
    report = spec(22, 2021)
    document = docx.Document(io.BytesIO(documents.render_docx(report)))
    t2, t3, t4 = document.tables
    assert (len(t3.rows), len(t3.columns)) == (28, 10) and (len(t4.rows), len(t4.columns)) == (4, 15)
    header = [c.text for c in t3.rows[1].cells]
    assert header[3] == "自然人" and header[4:9] == ["法人或其他组织"] * 5 and header[9] == "总计"
    for n, row in enumerate(tpl.t3_rows("gb2021")):
        cells = [c.text for c in t3.rows[3 + n].cells]
        assert cells[3:] == [str(report.values[f"t3_{row}_{c}"]) for c in tpl.T3_COLUMNS], row
    assert [c.text for c in t4.rows[3].cells] == [str(report.values[k]) for k in tpl.T4_KEYS]
    assert t2.rows[2].cells[0].text == "规章"


def test_doc_is_made_by_libreoffice_once_and_reused(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_CACHE", str(tmp_path))
    report = spec(23, 2022)
    first = documents.render_doc(report)
    assert first[:4] == b"\xd0\xcf\x11\xe0"  # an OLE2 compound file: Word 97
    cached = list((tmp_path / "replica").glob("*.doc"))
    assert len(cached) == 1
    assert documents.render_doc(report) == first == cached[0].read_bytes()
