"""Every file of the generated format corpus (tests/extract/corpus.py) reads back exactly: every table cell,
the year, the street and the district of the report it was made from — tables across two, three and
more pages, repeated header rows, rows cut by a page break, tables wider than the page, the producers
LibreOffice, Chromium, reportlab and python-docx — and a correct report gets no error or warning."""

from __future__ import annotations

import collections
import io
from typing import Any

import pytest

from crawler.extract import Record, extract
from crawler.extract.formats.pdf import stitch
from tests.extract import corpus
from tests.extract.test_replica_corpus import expected_values


@pytest.fixture(scope="module")
def text_samples() -> list[corpus.Sample]:
    return corpus.text_samples()


@pytest.fixture(scope="module")
def records(text_samples: list[corpus.Sample]) -> dict[str, tuple[corpus.Sample, Record]]:
    return {s.name: (s, extract(s.data, filename=s.name)) for s in text_samples}


def _problems(sample: corpus.Sample, record: Record) -> list[str]:
    spec = corpus.specs()[sample.template]
    out = []
    want = expected_values(dict(spec.values))
    got = {key: record.value(key) for key in record.cells}
    wrong = {key: (got.get(key), value) for key, value in want.items() if got.get(key) != value}
    if wrong:
        out.append(f"{len(wrong)} cell(s) wrong, e.g. {dict(list(wrong.items())[:4])}")
    if set(got) != set(want):
        out.append(f"keys differ: {sorted(set(got) ^ set(want))[:5]}")
    facts = (record.street, record.report_year, record.district, record.template_version)
    if facts != (spec.street, spec.year, spec.district, spec.template):
        out.append(f"read as {facts}")
    loud = [(f.rule, f.severity, f.message) for f in record.findings if f.severity in ("error", "warning")]
    if loud:
        out.append(f"findings {loud}")
    return out


def test_the_corpus_has_every_producer(text_samples: list[corpus.Sample]) -> None:
    producers = collections.Counter(s.producer for s in text_samples)
    assert producers == {
        "python-docx": 5,
        "libreoffice-pdf": 5,
        "libreoffice-doc": 5,
        "chromium-pdf": 3,
        "html": 3,
        "reportlab": 2,
    }
    assert {s.template for s in text_samples} == {"gb2019", "gb2021"}


def test_every_file_reads_back_exactly(records: dict[str, tuple[corpus.Sample, Record]]) -> None:
    wrong = {name: problems for name, (sample, record) in records.items() if (problems := _problems(sample, record))}
    assert not wrong, "\n".join(f"{name}: {problems}" for name, problems in wrong.items())


def test_clean_corpus_has_no_error_or_warning(records: dict[str, tuple[corpus.Sample, Record]]) -> None:
    """Correct reports deserve only the info finding of a file without crawl metadata (V09: no page date).

    One more info finding is known: Chromium prints the row-spanning label 「三、本年度办理结果」 of the
    A5 gb2019 page in a cell cut by two page breaks, without any horizontal rule on its page, so its text
    is read as prose and looks like an extra heading (V04 info). No value is lost."""
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for _sample, record in records.values():
        counts.update((f.rule, f.severity) for f in record.findings)
    assert counts == {("V09", "info"): len(records), ("V04", "info"): 1}, counts
    v04 = [name for name, (_s, record) in records.items() if any(f.rule == "V04" for f in record.findings)]
    assert v04 == ["chromium-gb2019-a5.pdf"]


def test_tables_really_cross_pages(records: dict[str, tuple[corpus.Sample, Record]]) -> None:
    """The corpus exercises the page break: table 3 of the A5 PDFs runs over three pages or more."""
    import pdfplumber

    for name in ("lo-gb2021-a5-header.pdf", "lo-gb2019-a5.pdf", "chromium-gb2021-a5-thead.pdf"):
        with pdfplumber.open(io.BytesIO(records[name][0].data)) as pdf:
            pages = [n for n, page in enumerate(pdf.pages) if _t3_rows_on(page)]
        assert len(pages) >= 3, (name, pages)


def _t3_rows_on(page: object) -> bool:
    cells = [cell or "" for table in page.extract_tables() for row in table for cell in row]  # type: ignore[attr-defined]
    return any(("申请" in text or "情形" in text or "信息" in text) and "勾稽" not in text for text in cells)


def test_table_4_without_its_spanning_rows(records: dict[str, tuple[corpus.Sample, Record]]) -> None:
    for suffix in ("docx", "pdf", "doc"):
        sample, record = records[f"docx-gb2021-t4-headerless.{suffix}"]
        assert sample.t4_headerless
        assert record.tables_present["t4"], suffix
        assert record.value("t4_review_total") == 0
        assert not [f for f in record.findings if f.rule in ("V01", "P02")], suffix


# ---- stitching, on rows as pdfplumber gives them (None: a position a merged cell covers) ----------

_HEADER = [["（本列数据的勾稽关系…）", None, "申请人情况", None], [None, None, "自然人", "总计"]]


def test_stitch_drops_the_repeated_header_even_when_the_page_cuts_it_differently() -> None:
    first = [*_HEADER, ["一、本年新收", None, "1", "1"]]
    repeated = [["（本列数据的勾稽关系…）", None, None, "申请人情况", None], [None, None, None, "自然人", "总计"]]
    rows = stitch(first, [*repeated, ["二、上年结转", None, None, "0", "0"]])
    assert [r[0] for r in rows] == ["（本列数据的勾稽关系…）", None, "一、本年新收", "二、上年结转"]


def test_stitch_joins_a_label_wrapped_onto_the_next_page() -> None:
    rows = stitch([["", "(四", "1.本", "2", "2"]], [["", ")无法提供", "机关不掌握相关政府信息", "", ""]])
    assert rows == [["", "(四)无法提供", "1.本机关不掌握相关政府信息", "2", "2"]]


def test_stitch_joins_a_label_and_its_values_on_different_pages() -> None:
    rows = stitch([[None, "（二）部分公开（区分处理的", "", ""]], [["", "，只计这一情形）", "3", "3"]])
    assert rows == [[None, "（二）部分公开（区分处理的，只计这一情形）", "3", "3"]]
    # a label column more on the new page: values stay right-aligned, the label fragment joins the label
    rows = stitch([["（二）部分公开", "", ""]], [["", "他情形）", None, "3", "3"][1:]])
    assert rows == [["（二）部分公开他情形）", "3", "3"]]


def test_stitch_never_joins_two_rows() -> None:
    # a new numbered row, a second data row, a t2 block: kept as they are, nothing dropped
    cases: tuple[tuple[list[str | None], list[str | None]], ...] = (
        (["", "7.属于行政执法案卷", "0", "0"], ["", "8.属于行政查询事项", "0", "0"]),
        (["规章", "0", "0", "0"], ["行政规范性文件", "0", "0", "0"]),
        (["行政许可", "0", None, None], ["第二十条第（六）项", None, None, None]),
        (["信息内容", "本年处理决定数量", None, None], ["行政处罚", "5", None, None]),
    )
    for last, first in cases:
        assert stitch([last], [first]) == [last, first]


def test_wide_tables_run_past_the_page(records: dict[str, tuple[corpus.Sample, Record]]) -> None:
    """The reportlab tables' rules run past both page edges (pdfplumber's crop refused such a table)."""
    import pdfplumber

    for name in ("reportlab-wide-gb2021.pdf", "reportlab-wide-gb2019.pdf"):
        with pdfplumber.open(io.BytesIO(records[name][0].data)) as pdf:
            boxes = [table.bbox for page in pdf.pages for table in page.find_tables()]
            width = float(pdf.pages[0].width)
        assert boxes and all(x0 < 0 and x1 > width for x0, _top, x1, _bottom in boxes), boxes


# ---- rows cut by a page break in text read page by page (OCR) -----------------------------------

_SEED = "003_1fe882b2456ae465"


def _seed_lines() -> list[str]:
    from tests.extract.conftest import seed_text

    return seed_text(_SEED).split("\n")


def _summary(record: Record) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    findings = sorted((f.rule, f.severity, f.table, tuple(sorted(f.keys))) for f in record.findings)
    return {key: record.value(key) for key in record.cells}, findings


def test_values_on_the_line_after_their_label_are_that_rows() -> None:
    """Seed 003 with row 「5.属于三类内部事务信息」 cut after its label (the values on the next page's
    first line, as OCR reads a scan page by page) reads exactly as the seed."""
    from crawler.extract import extract_text

    lines = _seed_lines()
    label, *values = lines[44].split("\t")[1:]
    assert label == "5.属于三类内部事务信息" and values == ["0"] * 7
    cut = [*lines[:44], f"\t{label}", "\t" + "\t".join(values), *lines[45:]]
    record = extract_text("\n".join(cut), doc_id=_SEED)
    assert _summary(record) == _summary(extract_text("\n".join(lines), doc_id=_SEED))


def test_a_row_that_cannot_be_placed_is_named_by_p02() -> None:
    """The same row with its label garbled: its cells are missing, and P02 names them and the line of the
    numbers it could not place — nothing is dropped silently."""
    from crawler.extract import extract_text

    lines = _seed_lines()
    garbled = [*lines[:44], lines[44].replace("三类内部事务信息", "三米内剖事分"), *lines[45:]]
    record = extract_text("\n".join(garbled), doc_id=_SEED)
    p02 = next(f for f in record.findings if f.rule == "P02" and f.table == "t3")
    assert "denied_internal_affairs" in p02.evidence["rows"]
    assert {f"t3_denied_internal_affairs_{c}" for c in ("natural", "total")} <= set(p02.keys)
    assert 45 in p02.evidence["unplaced_lines"]
