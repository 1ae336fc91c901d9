"""Landscape table pages, made landscape every way real reports are, read like upright ones; and a table
that was not read is never reported as a table the office left out (V01).

The PDFs (tests/fixtures/pdf/, made by :mod:`tests.extract.rotated_pdfs` with LibreOffice and PDFium) are
seed 001 with tables 3 and 4 on landscape pages: a wide MediaBox, ``/Rotate 90`` or ``270`` added by
"rotate page and save", the content turned by a ``cm`` on a portrait page, and that plus ``/Rotate 90``.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest

from crawler.extract import Record, extract, extract_file, extract_text, extract_text_file, prose, rules
from crawler.extract import deadline as dl
from crawler.extract.explain import finding_text
from crawler.extract.formats import read_text
from crawler.extract.formats.pdf import text_turn
from crawler.extract.metadata import extract_metadata
from crawler.extract.record import Finding
from crawler.extract.sections import find_sections
from crawler.extract.tables import T3_ANCHOR, T3_END, read_tables
from crawler.extract.text import Document
from crawler.i18n import translator
from tests.extract.conftest import seed_path, seed_text
from tests.extract.expected import VALUES
from tests.extract.rotated_pdfs import FIXTURES, SEED_ID, VARIANTS

SEED_002 = "002_6a637049fe5fc2b5"


def _fixture(variant: str) -> Path:
    return FIXTURES / f"seed001_{variant}.pdf"


def _v01(record: Record) -> list[tuple[str, str | None]]:
    return [(f.severity, f.table) for f in record.findings if f.rule == "V01"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_cell_of_seed_001_is_read_from_its_landscape_table_pages(variant: str) -> None:
    """Fails before pages were turned: /Rotate 90, /Rotate 270 and the turned content read no table 3 or 4
    (V01 errors, and their cells absent)."""
    record = extract_file(_fixture(variant))
    assert dict(record.tables_present) == {"t2": True, "t3": True, "t4": True}
    want = VALUES[SEED_ID]
    assert {key: record.value(key) for key in want} == want
    t4 = {key: record.cells[key].value for key in want if key.startswith("t4_")}
    assert len(t4) == 15 and set(t4.values()) == {0}  # seed 001's table 4: fifteen zeros, all read
    assert [record.value(f"t3_{row}_natural") for row in ("new", "carried_in", "total_processed")] == [1, 1, 2]
    assert not [f for f in record.findings if f.rule in ("V01", "P02", "P03", "P05")]
    assert (record.report_year, record.street) == (2021, "二七街道")


@pytest.mark.parametrize(("variant", "turn"), [("rotate90", 270), ("rotate270", 90), ("content_ccw", 90)])
def test_the_reader_says_which_pages_it_turned(variant: str, turn: int) -> None:
    extracted = read_text(_fixture(variant).read_bytes(), filename="r.pdf")
    turned = [w for w in extracted.warnings if "text turned" in w]
    assert turned and all(f"text turned {turn}°" in w for w in turned)
    assert extracted.unread == ()  # turned pages are read: nothing left unread


def test_upright_pages_are_not_turned() -> None:
    for variant in ("landscape", "content_ccw_rotate90"):
        warnings = read_text(_fixture(variant).read_bytes(), filename="r.pdf").warnings
        assert not [w for w in warnings if "turned" in w], variant


def _chars(*directions: tuple[float, float]) -> list[dict[str, object]]:
    return [{"matrix": (a, b, -b, a, 0.0, 0.0), "upright": b == 0 and a > 0} for a, b in directions]


@pytest.mark.parametrize(
    ("directions", "turn"),
    [
        ([(1, 0)] * 3, 0),
        ([(0, 9)] * 3, 90),  # running upwards (content turned counter-clockwise, or /Rotate 270)
        ([(-9, 0)] * 3, 180),  # upside down: pdfminer calls it upright
        ([(0, -1)] * 3, 270),  # running downwards (/Rotate 90 on an upright page)
        ([(0, 1)] * 5 + [(1, 0)] * 2, 90),  # a sideways table with an upright page number
        ([(1, 0), (0, 1)], 0),  # a tie keeps the page as it is
        ([(0.866, 0.5)] * 3, None),  # 30°: no quarter turn sets it upright
        ([], 0),
    ],
)
def test_text_turn(directions: list[tuple[float, float]], turn: int | None) -> None:
    assert text_turn(_chars(*directions)) == turn


def test_a_page_turned_upside_down_reads_too() -> None:
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(_fixture("content_ccw").read_bytes())
    for index in _landscape_pages():
        document[index].set_rotation(270)  # the content runs upwards; 270 more turns it upside down
    out = io.BytesIO()
    document.save(out)
    record = extract(out.getvalue(), filename=f"{SEED_ID}.pdf")
    assert {key: record.value(key) for key in VALUES[SEED_ID]} == VALUES[SEED_ID]


def _landscape_pages() -> list[int]:
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(_fixture("landscape").read_bytes())
    return [n for n, page in enumerate(document) if page.get_size()[0] > page.get_size()[1]]


# ---- V01: a table not read is not a table left out ---------------------------------------------------


def _context(text: str, unread: tuple[str, ...] = ()) -> rules.Context:
    """The Context crawler/extract/pipeline.py builds for ``text``, with the reader's ``unread`` notes."""
    doc = Document(text)
    meta = extract_metadata(doc, None)
    sections = find_sections(doc)
    judged = dl.judge(meta.report_year, page_date=None, url_date=None, doc_date=meta.doc_date)
    return rules.Context(
        doc=doc,
        meta=meta,
        sections=sections,
        tables=read_tables(doc, sections, meta.template_version),
        deadline=judged,
        prose_new_applications=prose.new_applications(doc),
        prose_no_review_litigation=prose.no_review_litigation(doc),
        unread=unread,
    )


def _v01_of(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule == "V01"]


def test_seed_002_without_tables_still_blames_the_office() -> None:
    """A report read whole that has no table at all: V01 error ×3, as the spec's §6 table says."""
    record = extract_text_file(seed_path("002_6a637049fe5fc2b5"))
    assert _v01(record) == [("error", "t2"), ("error", "t3"), ("error", "t4")]
    assert [f.message for f in record.findings if f.rule == "V01"] == [f"table {t} absent" for t in ("t2", "t3", "t4")]
    # the same through this test's Context, which the next test gives the reader's notes
    findings = _v01_of(rules.single_report_findings(_context(seed_text(SEED_002))))
    assert [(f.severity, f.table) for f in findings] == [("error", "t2"), ("error", "t3"), ("error", "t4")]


def test_tables_missing_from_unread_pages_are_not_read_not_absent() -> None:
    reason = "page 3 is only an image, without a text layer (not OCRed)"
    findings = _v01_of(rules.single_report_findings(_context(seed_text(SEED_002), (reason,))))
    assert [(f.severity, f.table) for f in findings] == [("warning", "t2"), ("warning", "t3"), ("warning", "t4")]
    assert findings[2].message == f"table t4 not read: {reason}"
    assert findings[2].evidence == {"unread": reason}


def test_t3_header_read_without_its_rows_is_not_read_not_absent() -> None:
    """Table 3's header survives but every row from 本年新收 to 结转下年度 is lost (as when they sit on a
    page the reader could not read): the office is not blamed for a table whose header is in the text."""
    lines = seed_text("000_5dc0f6ddf6e173eb").split("\n")
    first = next(n for n, line in enumerate(lines) if T3_ANCHOR in re.sub(r"\s", "", line))
    last = next(n for n, line in enumerate(lines) if T3_END in line)
    record = extract_text("\n".join(lines[:first] + lines[last + 1 :]), doc_id="000-rows-lost")
    assert _v01(record) == [("warning", "t3")]
    v01 = next(f for f in record.findings if f.rule == "V01")
    assert re.fullmatch(r"table t3 not read: its header is on line \d+ but none of its rows was read", v01.message)
    assert dict(record.tables_present) == {"t2": True, "t3": False, "t4": True}


def test_an_image_only_page_is_named_unread() -> None:
    """seed 001 with its table 4 page replaced by a picture of it (a table pasted as an image): the text
    layer of the other pages is read, the picture is not OCRed, and the reader says so."""
    pdfium = pytest.importorskip("pypdfium2")
    source = pdfium.PdfDocument(_fixture("landscape").read_bytes())
    index = _landscape_pages()[-1]
    width, height = source[index].get_size()
    image = pdfium.PdfImage.new(source)
    bitmap = source[index].render(scale=1).to_pil()
    buffer = io.BytesIO()
    bitmap.convert("RGB").save(buffer, format="JPEG")
    image.load_jpeg(buffer)
    image.set_matrix(pdfium.PdfMatrix().scale(width, height))
    source.del_page(index)
    page = source.new_page(width, height)
    page.insert_obj(image)
    page.gen_content()
    out = io.BytesIO()
    source.save(out)
    extracted = read_text(out.getvalue(), filename="r.pdf")
    reason = f"page {len(source)} is only an image, without a text layer (not OCRed)"
    assert extracted.unread == (reason,)
    # Through the whole pipeline: table 4 is on the picture, so it is "not read", not "absent".
    record = extract(out.getvalue(), filename="r.pdf")
    assert _v01(record) == [("warning", "t4")]
    assert next(f for f in record.findings if f.rule == "V01").message == f"table t4 not read: {reason}"


def test_v01_not_read_says_so_in_both_languages() -> None:
    finding = Finding("V01", "warning", "t4", evidence={"unread": "page 3 is only an image"})
    assert finding_text(finding, translator("zh_CN")) == "表四未能读取（不能证明缺少该表），请查看原文件"
    assert finding_text(finding, translator("en")) == "table 4 not read (no proof that it is missing): look at the file"
    absent = dataclasses.replace(finding, severity="error", evidence={})
    assert finding_text(absent, translator("en")) == "table 4 absent"
