"""Scans of the format corpus (tests/extract/corpus.py: a LibreOffice PDF at 150 dpi and a Chromium PDF at
200 dpi, each page a little askew and JPEG-compressed, no text layer) read back exactly by OCR: every
table cell, the year, the street and the district — table 3 crosses page breaks in both, with a row cut
in two by the break (its label on two pages) — and a correct report gets no error or warning."""

from __future__ import annotations

import collections

import pytest

from crawler.extract import Record, extract
from crawler.extract.formats.ocr import Box, Item, Rulings, assemble, items_from_boxes, rulings
from tests.extract import corpus
from tests.extract.test_corpus import _problems


@pytest.fixture(scope="module")
def scans() -> dict[str, tuple[corpus.Sample, Record]]:
    samples = corpus.scan_samples(corpus.text_samples())
    return {s.name: (s, extract(s.data, filename=s.name)) for s in samples}


def test_the_scans_are_image_only_pdfs(scans: dict[str, tuple[corpus.Sample, Record]]) -> None:
    import io

    import pdfplumber

    assert sorted(scans) == ["scan150-lo-gb2021-a4.pdf", "scan200-chromium-gb2019-a4.pdf"]
    for sample, _record in scans.values():
        with pdfplumber.open(io.BytesIO(sample.data)) as pdf:
            assert len(pdf.pages) == 6 and not any(page.chars for page in pdf.pages), sample.name


def test_every_scan_reads_back_exactly(scans: dict[str, tuple[corpus.Sample, Record]]) -> None:
    wrong = {name: problems for name, (sample, record) in scans.items() if (problems := _problems(sample, record))}
    assert not wrong, "\n".join(f"{name}: {problems}" for name, problems in wrong.items())


def test_scan_values_are_the_reports(scans: dict[str, tuple[corpus.Sample, Record]]) -> None:
    """Concrete values, among them the rows the page breaks cut (t3 「（四）无法提供 1.本机关不掌握…」 of
    the LibreOffice scan, its label on pages 3 and 4; 「（六）其他处理 1.申请人无正当理由…」 on pages 4
    and 5)."""
    _sample, lo = scans["scan150-lo-gb2021-a4.pdf"]
    assert (lo.street, lo.report_year, lo.district, lo.template_version) == ("杨园街道", 2023, "武昌区", "gb2021")
    assert lo.value("t3_unable_not_held_natural") == 2
    assert lo.value("t3_unable_not_held_total") == 2
    assert lo.value("t3_other_no_correction_total") == 0
    assert lo.value("t3_new_total") == 10
    assert lo.value("t3_total_processed_total") == 9
    _sample, cr = scans["scan200-chromium-gb2019-a4.pdf"]
    assert (cr.street, cr.report_year, cr.district, cr.template_version) == ("汉水桥街道", 2020, "硚口区", "gb2019")
    assert cr.value("t3_new_natural") == 1
    assert cr.value("t3_unable_not_held_total") == 1
    assert cr.value("t3_denied_enforcement_file_total") == 0  # the row at the page break
    assert cr.value("t3_total_processed_total") == 2


def test_scans_have_no_loud_findings(scans: dict[str, tuple[corpus.Sample, Record]]) -> None:
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for _sample, record in scans.values():
        counts.update((f.rule, f.severity) for f in record.findings if f.severity in ("error", "warning"))
    assert not counts, counts


# ---- rows from boxes and rules, on boxes as the OCR gives them ----------------------------------------


def _grid(columns: list[float], top: float, bottom: float) -> list[tuple[float, float, float]]:
    return [(x, top, bottom) for x in columns]


def test_a_glyph_stroke_inside_a_box_is_no_cell_border() -> None:
    """In a one-line row a character's vertical stroke runs nearly from rule to rule (24 px of a 30 px
    row here): it lies inside the text box, so it is not taken for a cell border."""
    import numpy as np

    pixels = np.full((800, 1000), 255, dtype=np.uint8)
    pixels[100:102, 50:451] = pixels[130:132, 50:451] = 0  # the row's rules
    for x in (50, 300, 450):
        pixels[100:132, x : x + 2] = 0  # its cell borders
    pixels[104:128, 120:122] = 0  # the stroke of a character
    box = Box(60, 102, 290, 129, "行政规范性文件")
    assert sorted(round(x) for x, _y0, _y1 in rulings(pixels).vertical) == [51, 121, 301, 451]
    ruling = rulings(pixels, [box])
    assert sorted(round(x) for x, _y0, _y1 in ruling.vertical) == [51, 301, 451]
    rows = [item.rows for item in items_from_boxes([box, Box(360, 104, 372, 128, "0")], ruling)]
    assert rows == [(("行政规范性文件", "0"),)]


def test_a_row_without_its_closing_rule_keeps_its_values() -> None:
    """A page that ends inside a row without drawing the rule below it: the table's vertical rules end
    there together, and that closes the row."""
    boxes = [
        Box(10, 5, 60, 25, "规章"),
        Box(110, 5, 120, 25, "1"),
        Box(10, 35, 60, 55, "文件"),
        Box(110, 35, 120, 55, "2"),
    ]
    ruling = Rulings([0.0, 30.0], _grid([5, 100, 150], -1, 62))
    items = items_from_boxes(boxes, ruling)
    assert [item.rows for item in items] == [(("规章", "1"), ("文件", "2"))]


def test_pieces_of_a_table_on_consecutive_pages_are_one_table() -> None:
    """The row the page break cut (label 「(四」/「1.本」 on one page, 「)无法提供」/「机关不掌握…」 with
    no values on the next) is put back together before the rows are read."""
    page1 = [Item(10, rows=(("", "(四", "1.本", "2", "2"),))]
    page2 = [Item(5, rows=(("", ")无法提供", "机关不掌握相关政府信息", "", ""), ("", "", "2.没有现成信息", "1", "1")))]
    assert assemble([page1, page2]) == [
        "\t(四)无法提供\t1.本机关不掌握相关政府信息\t2\t2",
        "\t\t2.没有现成信息\t1\t1",
    ]
    # prose between them: two tables
    assert len(assemble([[*page1, Item(50, text="第 1 页")], page2])) == 4
