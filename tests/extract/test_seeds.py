"""Golden tests: the five seeds give exactly the values and findings of docs/report-format.md §6."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from crawler import template as tpl
from crawler.extract import Finding, Record, extract_text, extract_text_file
from crawler.extract import containment as cont
from crawler.extract.rules import record_shingles
from tests.extract.conftest import SEED_IDS, seed_path, seed_text
from tests.extract.expected import CONTAINMENT, FINDINGS, METADATA, VALUES, FindingSpec


def finding_key(f: Finding) -> tuple[Any, ...]:
    return (f.rule, f.severity, f.table, tuple(sorted(f.keys)), f.line)


def assert_findings(findings: Iterable[Finding], expected: Sequence[FindingSpec]) -> None:
    actual = sorted(findings, key=lambda f: repr(finding_key(f)))
    wanted = sorted(expected, key=lambda e: repr(e[:5]))
    assert [finding_key(f) for f in actual] == [e[:5] for e in wanted]
    for finding, spec in zip(actual, wanted, strict=True):
        for name, value in spec[5].items():
            assert finding.evidence[name] == value, (finding.rule, name)


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_metadata(seed_records: dict[str, Record], doc_id: str) -> None:
    record = seed_records[doc_id]
    data = record.to_dict()
    assert data["doc_id"] == doc_id
    for key, value in METADATA[doc_id].items():
        if key == "sections":
            assert data["sections"] == value
        elif key == "tables_present":
            assert data["tables_present"] == value
        else:
            assert getattr(record, key) == value, key


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_every_cell_value(seed_records: dict[str, Record], doc_id: str) -> None:
    record = seed_records[doc_id]
    assert {key: cell.value for key, cell in record.cells.items()} == VALUES[doc_id]
    if VALUES[doc_id]:
        assert tuple(record.cells) == tpl.table_keys(tpl.GB2021)  # every key, in document order
    for key, cell in record.cells.items():
        assert (cell.value is None) == (cell.status in ("blank", "missing")), key


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_findings_exactly(seed_records: dict[str, Record], doc_id: str) -> None:
    assert_findings(seed_records[doc_id].findings, FINDINGS[doc_id])


def test_cell_details(seed_records: dict[str, Record]) -> None:
    """Statuses and raw tokens that §6 names: missing vs blank, OCR fixes, NBSP padding."""
    s000, s003, s004 = (
        seed_records[i] for i in ("000_5dc0f6ddf6e173eb", "003_1fe882b2456ae465", "004_38957af2b50007e7")
    )
    assert s000.cells["t3_new_total"].status == "missing"
    assert s000.cells["t3_denied_state_secret_other_org"].status == "missing"
    assert s000.cells["t3_new_natural"].line == 79
    assert s003.cells["t2_normative_in_force"].status == "blank"
    assert s003.cells["t3_carried_in_natural"].status == "missing"
    assert s003.cells["t3_carried_in_social"].value == 0 and s003.cells["t3_carried_in_social"].line == 36
    for key, line in (
        ("t3_other_unpaid_fee_total", 58),
        ("t3_other_misc_total", 59),
        ("t3_total_processed_total", 60),
    ):
        cell = s003.cells[key]
        assert (cell.value, cell.raw, cell.status, cell.line) == (0, "C", "ocr_fixed", line)
    assert s003.cells["t2_fees_amount"].value == "0"
    # The notproc rows of lines 52–53 are found by label although 「(五)」 is printed on line 54.
    assert s003.cells["t3_notproc_petition_natural"].line == 52
    assert s003.cells["t3_notproc_duplicate_natural"].line == 53
    total = s004.cells["t3_total_processed_total"]
    assert (total.value, total.raw, total.status, total.line) == (3, "\u00a03", "ok", 356)
    carried = s004.cells["t3_carried_out_natural"]
    assert (carried.value, carried.raw, carried.status, carried.line) == (0, "\u00a00", "ok", 359)
    assert s004.cells["t2_penalty_decisions"].line == 64
    assert s004.cells["t4_review_upheld"].line == 410
    assert s004.cells["t4_suit_after_review_total"].line == 424


def test_containment_matrix(seed_records: dict[str, Record]) -> None:
    shingles = [record_shingles(seed_records[doc_id]) for doc_id in SEED_IDS]
    for a, row in enumerate(CONTAINMENT):
        for b, expected in enumerate(row):
            if expected is not None:
                assert round(cont.containment(shingles[a], shingles[b]), 3) == expected, (
                    SEED_IDS[a],
                    SEED_IDS[b],
                )


def test_json_keys_are_the_data_model(seed_records: dict[str, Record]) -> None:
    metadata_keys = [
        "doc_id",
        "source_url",
        "file_sha256",
        "text_sha256",
        "title",
        "report_year",
        "street",
        "street_short",
        "district",
        "district_source",
        "publisher",
        "publisher_source",
        "signed_date",
        "fill_date",
        "doc_date",
        "page_date",
        "url_date",
        "publish_date",
        "template_version",
        "text_layout",
        "sections",
        "tables_present",
        "t3_header_has_total",
        "t3_alignment",
        "prose_new_applications",
        "prose_no_review_litigation",
        "deadline",
        "deadline_status",
    ]
    record = seed_records["004_38957af2b50007e7"]
    data = json.loads(record.to_json())
    assert list(data) == [*metadata_keys, *tpl.table_keys(tpl.GB2021), "findings"]
    assert data["t3_total_processed_total"] == {"value": 3, "raw": "\u00a03", "status": "ok", "line": 356}
    assert data["signed_date"] == "2023-01-04"
    assert data["findings"][0].keys() == {"rule", "severity", "table", "keys", "line", "evidence", "message"}
    no_tables = json.loads(seed_records["002_6a637049fe5fc2b5"].to_json())
    assert list(no_tables) == [*metadata_keys, "findings"]  # absent tables: keys absent, not null
    v07 = next(f for f in no_tables["findings"] if f["rule"] == "V07")
    assert v07["evidence"]["date"] == "2020-12-18"


def test_text_sha256_is_of_the_stored_bytes() -> None:
    path = seed_path("001_d5617df0c19c2339")
    assert extract_text_file(path).text_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def _mutate(doc_id: str, line: int, old: str, new: str) -> Record:
    lines = seed_text(doc_id).split("\n")
    assert lines[line - 1] == old
    lines[line - 1] = new
    return extract_text("\n".join(lines), doc_id=doc_id)


def _new_findings(doc_id: str, mutated: Record) -> list[Finding]:
    base = {finding_key(f) for f in extract_text_file(seed_path(doc_id)).findings}
    return [f for f in mutated.findings if finding_key(f) not in base]


def test_mutation_m1_breaks_v20_v21_v22() -> None:
    mutated = _mutate("001_d5617df0c19c2339", 355, "\t2", "\t3")
    assert mutated.value("t3_total_processed_natural") == 3
    new = _new_findings("001_d5617df0c19c2339", mutated)
    assert sorted((f.rule, f.severity, f.table) for f in new) == [
        ("V20", "error", "t3"),
        ("V21", "error", "t3"),
        ("V22", "error", "t3"),
    ]
    by_rule = {f.rule: f for f in new}
    assert by_rule["V20"].evidence["column"] == "natural"
    assert by_rule["V21"].evidence["row"] == "total_processed"
    assert by_rule["V22"].evidence["column"] == "natural"
    assert "t3_total_processed_natural" in by_rule["V20"].keys


def test_mutation_m2_breaks_v23_only() -> None:
    mutated = _mutate("004_38957af2b50007e7", 410, "\t0", "\t1")
    assert mutated.value("t4_review_upheld") == 1
    new = _new_findings("004_38957af2b50007e7", mutated)
    assert [(f.rule, f.severity, f.table, f.evidence["block"]) for f in new] == [("V23", "error", "t4", "review")]
