"""HTML as the real producers write it: a report laid out inside page tables (old CMS templates), a
document saved as HTML by an office suite and published under a ``.doc`` name, and a single file web page
(MHTML). The fixtures (tests/fixtures/html/, made by :mod:`tests.extract.html_exports`) come from
LibreOffice, Chromium and Word's conventions, not from the pages the reader was written against."""

from __future__ import annotations

import base64
import codecs
import gzip
import html
import re
import time
import tracemalloc

import pytest

from crawler.extract import Record, extract, extract_text_file
from crawler.extract.formats import read_text
from crawler.extract.formats.encoding import declared_charset, decode
from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.sniff import office_export, sniff
from pipelines.archive import html_instead_of
from tests.extract.conftest import seed_path, seed_text
from tests.extract.expected import METADATA, VALUES
from tests.extract.html_exports import FIXTURES, LO_SEED, WORD_SEED, word_mht
from tests.extract.render import seed_blocks
from tests.extract.test_formats import _comparable
from tests.extract.test_html import _official_t3


def _fixture(name: str) -> bytes:
    data = (FIXTURES / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def _prose(doc_id: str) -> list[str]:
    """The seed's paragraphs (seed 002 has no table)."""
    return [block for block in seed_blocks(seed_text(doc_id)) if isinstance(block, str)]


def _assert_reads_as_seed(record: Record, doc_id: str) -> None:
    """Every cell as the seed's (docs/report-format.md §6), and the metadata and findings of its text."""
    assert {key: cell.value for key, cell in record.cells.items()} == VALUES[doc_id]
    assert _comparable(record) == _comparable(extract_text_file(seed_path(doc_id)))


# ---- 1. Reports laid out inside page tables ----------------------------------------------------------


def test_report_inside_an_old_cms_layout_table() -> None:
    """A GB2312 article page laid out by tables three deep (banner, side menu, article cell with title,
    date and body rows) around LibreOffice's HTML of seed 004: the statutory tables inside are read as
    tables, the menu and breadcrumb before the title are not the title."""
    record = extract(_fixture("cms_layout.html"), filename="t20230117_2154821.shtml", content_type="text/html")
    assert record.tables_present == {"t2": True, "t3": True, "t4": True}
    assert [record.value(f"t3_{row}_total") for row in ("new", "partial", "total_processed")] == [3, 3, 3]
    assert (record.value("t3_new_natural"), record.value("t2_penalty_decisions")) == (3, 149)
    assert record.title == METADATA[LO_SEED]["title"] == "硚口区汉水桥街道2022年度政府信息公开工作年度报告"
    assert (record.street, record.district) == ("汉水桥街道", "硚口区")
    _assert_reads_as_seed(record, LO_SEED)
    assert "一、总体情况" in record.text.splitlines()


def _wrapper(inner: str) -> str:
    return (
        "<html><head><meta charset='utf-8'><title>水果湖街道2020年政府信息公开工作年度报告</title></head><body>"
        f"<table width='100%' border='0' cellspacing='0' cellpadding='0'><tr><td>{inner}</td></tr></table>"
        "</body></html>"
    )


def test_single_cell_wrapper_of_prose_is_read_as_blocks() -> None:
    """Seed 002 (prose only, no tables) as paragraphs in the one cell of a wrapper table: its paragraphs
    and section headings stay lines of their own, as in the seed."""
    doc_id = "002_6a637049fe5fc2b5"
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in _prose(doc_id))
    record = extract(_wrapper(paragraphs).encode(), filename="report.html")
    _assert_reads_as_seed(record, doc_id)
    expected = METADATA[doc_id]["sections"]
    assert {sid: (hit.found, hit.numbering) for sid, hit in record.sections.items()} == {
        sid: (hit["found"], hit["numbering"]) for sid, hit in expected.items()
    }
    assert record.prose_new_applications == METADATA[doc_id]["prose_new_applications"]


def test_nested_wrappers_and_side_column() -> None:
    """Two wrappers deep, a side column beside the article: every statutory cell is read."""
    page = _fixture("libreoffice.html").decode("utf-8")
    body = page[page.index(">", page.index("<body")) + 1 : page.rindex("</body>")]
    side = "<table><tr><td>政府信息公开</td></tr><tr><td>政府信息公开年度报告</td></tr></table>"
    inner = f"<table width='100%'><tr><td width='200'>{side}</td><td>{body}</td></tr></table>"
    record = extract(_wrapper(inner).encode(), filename="report.html")
    assert {key: cell.value for key, cell in record.cells.items()} == VALUES[LO_SEED]


def test_data_table_whose_cell_holds_a_small_table_is_still_a_table() -> None:
    """Table 3 whose corner cell is split by a nested two-cell table (a hand-made 斜线表头): the nested
    table is part of that cell; every value is read from its own column."""
    from crawler import template as tpl

    keys = tpl.t3_keys(tpl.GB2021)
    values = {key: 100 + n for n, key in enumerate(keys)}
    corner = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    table = _official_t3(values).replace(
        f"<p><span>{corner}</span></p>",
        "<table width='100%'><tr><td>申请人情况</td></tr><tr><td>办理结果</td></tr></table>",
    )
    assert table.count("<table") == 2
    page = (
        "<html><body><p>测试街道2021年政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p>"
        f"{table}<p>四、政府信息公开行政复议、行政诉讼情况</p></body></html>"
    )
    record = extract(page.encode(), filename="page.html")
    assert {key: record.value(key) for key in keys} == values


def test_data_table_with_a_section_heading_row_is_still_a_table() -> None:
    """A section heading written as the table's first row (one heading, in a cell of its own) does not
    make table 3 a layout table."""
    from crawler import template as tpl

    keys = tpl.t3_keys(tpl.GB2021)
    values = {key: 100 + n for n, key in enumerate(keys)}
    table = _official_t3(values).replace(
        "<table border=1>", "<table border=1><tr><td colspan=10><p>三、收到和处理政府信息公开申请情况</p></td></tr>"
    )
    page = f"<html><body><p>测试街道2021年政府信息公开工作年度报告</p>{table}</body></html>"
    record = extract(page.encode(), filename="page.html")
    assert {key: record.value(key) for key in keys} == values


# ---- 2. Documents saved as HTML, published under a document's name ---------------------------------


@pytest.mark.parametrize(
    ("name", "doc_id", "filename", "content_type"),
    [
        ("libreoffice.html", LO_SEED, "P020230117395746521853.doc", "application/msword"),
        ("libreoffice.xhtml", LO_SEED, "report.doc", None),
        ("word.htm.gz", WORD_SEED, "P020220125378421519.doc", "application/msword"),
        ("word.htm.gz", WORD_SEED, "report.xls", "application/vnd.ms-excel"),
    ],
)
def test_office_html_at_a_document_url_is_the_report(
    name: str, doc_id: str, filename: str, content_type: str | None
) -> None:
    data = _fixture(name)
    assert sniff(data) == "html"
    assert read_text(data, filename=filename, content_type=content_type).kind == "html"
    _assert_reads_as_seed(extract(data, filename=filename, content_type=content_type), doc_id)


def test_xhtml_export_is_read_as_html() -> None:
    """LibreOffice's XHTML opens with <?xml …?>: still a web page, its tables read (not namespaced XML)."""
    _assert_reads_as_seed(extract(_fixture("libreoffice.xhtml"), filename="report.html"), LO_SEED)


def test_report_page_without_generator_at_a_document_url() -> None:
    """No office suite named, but the report's own section headings: a portal serving the report's page
    under a .doc name. The wrapped seed 002 has all six."""
    doc_id = "002_6a637049fe5fc2b5"
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in _prose(doc_id))
    _assert_reads_as_seed(extract(_wrapper(paragraphs).encode(), filename="report.doc"), doc_id)


_PORTAL_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><meta name='generator' content='Microsoft FrontPage 6.0'>"
    "<title>政府信息公开_武汉市江岸区人民政府</title></head><body><div class='nav'><a href='/'>首页</a>"
    "<a href='/zwgk/'>政府信息公开</a><a href='/zwgk/ndbg/'>政府信息公开年度报告</a><a>主动公开</a></div>"
    "<ul><li><a href='t1.shtml'>二七街道2021年政府信息公开工作年度报告</a></li>"
    "<li><a href='t2.shtml'>一元街道2021年政府信息公开工作年度报告</a></li></ul></body></html>"
)
_CHALLENGE_PAGE = (
    "<html><head><meta charset='utf-8'><title></title><script>var _0x3a=['cookie','reload'];"
    "document[_0x3a[0]]='__jsl_clearance=1612345678.123|0|abc';location[_0x3a[1]]();</script></head>"
    "<body><noscript>请开启JavaScript并刷新该页</noscript></body></html>"
)
_LOGIN_PAGE = (
    "<html><head><meta charset='utf-8'><title>统一身份认证平台</title></head><body><form action='/login'>"
    "<p>用户名</p><input name='u'><p>密码</p><input type='password' name='p'><button>登录</button></form>"
    "<p>政府信息公开 | 年度报告 | 政务服务</p></body></html>"
)


@pytest.mark.parametrize("page", [_PORTAL_PAGE, _CHALLENGE_PAGE, _LOGIN_PAGE], ids=["portal", "challenge", "login"])
def test_web_page_at_a_document_url_is_refused(page: str) -> None:
    with pytest.raises(ReadError) as refused:
        read_text(page.encode(), filename="P020230117395746521853.doc", content_type="application/msword")
    assert refused.value.reason == "html_error_page"
    assert "HTML content where P020230117395746521853.doc was expected" in str(refused.value)
    assert "neither a document saved as HTML by an office suite nor a report" in str(refused.value)
    record = extract(page.encode(), filename="report.pdf")
    assert [(f.rule, f.evidence["reason"]) for f in record.findings] == [("P00", "html_error_page")]


@pytest.mark.parametrize("name", ["libreoffice.html", "word.htm.gz"])
def test_the_archive_keeps_an_office_html_document_at_a_document_url(name: str) -> None:
    """The archive pipeline refuses a web page served where a .doc was expected (a soft 404), before
    extraction: a document an office suite saved as HTML is kept, the error pages are not."""
    assert html_instead_of("doc", _fixture(name)) is False
    # Word saves a web page as UTF-16 ("Unicode") when asked: still the document.
    unicode = codecs.BOM_UTF16_LE + _fixture(name).decode("gb18030", errors="replace").encode("utf-16-le")
    assert html_instead_of("doc", unicode) is False
    for page in (_PORTAL_PAGE, _CHALLENGE_PAGE, _LOGIN_PAGE):
        assert html_instead_of("doc", page.encode()) is True
        # As a server may send it: after a comment, or in UTF-16 with its BOM (an IIS error page).
        assert html_instead_of("pdf", f"<!-- 404 -->\n{page}".encode()) is True
        assert html_instead_of("pdf", codecs.BOM_UTF16_LE + page.encode("utf-16-le")) is True


def test_portal_page_served_as_a_page_is_still_read() -> None:
    """Only a document URL makes a web page suspect: the same page at a page URL is read as it is."""
    assert "二七街道2021年政府信息公开工作年度报告" in read_text(_PORTAL_PAGE.encode(), filename="index.html").text


# ---- 3. Single file web pages (MHTML) ----------------------------------------------------------------


@pytest.mark.parametrize("producer", ["chromium", "word"])
def test_mhtml_saved_as_doc(producer: str) -> None:
    """Chromium's snapshot of LibreOffice's XHTML (UTF-8, the page as application/xhtml+xml) and Word's
    single file web page (a GBK preamble, the page as GB2312 quoted-printable) under a .doc name."""
    data, doc_id = (
        (_fixture("chromium.mhtml"), LO_SEED)
        if producer == "chromium"
        else (word_mht(_fixture("word.htm.gz")), WORD_SEED)
    )
    assert sniff(data) == "mhtml"
    assert read_text(data, filename="report.doc").kind == "mhtml"
    _assert_reads_as_seed(extract(data, filename="report.doc", content_type="application/msword"), doc_id)


def test_mail_like_text_is_not_mhtml() -> None:
    assert sniff("Subject: hello\r\nFrom: a@b.c\r\n\r\n2021年政府信息公开工作年度报告".encode()) == "text"
    assert sniff(b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n") == "text"
    assert sniff(b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n") == "mhtml"


def test_broken_mhtml_is_a_read_error() -> None:
    data = _fixture("chromium.mhtml")
    no_page = data.replace(b"Content-Type: application/xhtml+xml\r\n", b"Content-Type: image/png\r\n")
    with pytest.raises(ReadError) as missing:
        read_text(no_page, filename="report.doc")
    assert missing.value.reason == "unsupported" and "without an HTML or XHTML part" in str(missing.value)
    with pytest.raises(ReadError) as cut:
        read_text(data[: data.index(b"Content-ID:")], filename="report.doc")  # cut in the page's headers
    assert cut.value.reason == "malformed"


def test_mhtml_skips_other_parts_without_decoding_them() -> None:
    """The page after 24 MB of a base64 image: found by its boundary, only the page decoded."""
    from crawler.extract.formats.mhtml import html_part

    boundary = "----=_NextPart_01D80A4C.7D6B2E60"
    image = base64.encodebytes(bytes(18 << 20))
    page = b"<html><body><p>\xb2\xe2\xca\xd4</p></body></html>"  # 测试 in GBK
    data = b"".join(
        [
            f'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="{boundary}"\r\n\r\n'.encode(),
            f"--{boundary}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode(),
            image,
            f"\r\n--{boundary}\r\nContent-Type: text/html; charset=gb2312\r\n\r\n".encode(),
            page,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    assert len(data) > 24 << 20
    started = time.monotonic()
    tracemalloc.start()
    try:
        part, charset = html_part(data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (part, charset) == (page, "gb2312")
    assert peak < 1 << 20 and time.monotonic() - started < 2
    assert read_text(data, filename="report.doc").text == "测试"


# ---- 4. Pages saved as UTF-16 ("Unicode") --------------------------------------------------------------


def _utf16(data: bytes, codec: str, *, charset: str | None = None, bom: bool = True) -> bytes:
    """The page ``data`` saved as UTF-16: Windows' "Unicode" (UTF-16LE, Notepad's and Word's Save As) or
    "Unicode big endian" (UTF-16BE), each with its byte order mark. Notepad keeps the page's own charset
    declaration; Word's "Save as Web Page" in Unicode declares ``charset=unicode`` (``charset``)."""
    page = decode(data, declared_charset(data))
    if charset is not None:
        page, declarations = re.subn(r"charset=[\w-]+", f"charset={charset}", page, count=1)
        assert declarations == 1
    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[codec]
    return (mark if bom else b"") + page.encode(codec)


def _same_record(record: Record) -> dict[str, object]:
    """The record less the hash of its file's bytes (the UTF-16 file is another file with the same text)."""
    return {key: value for key, value in record.to_dict().items() if key != "file_sha256"}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    ("name", "charset", "filename", "content_type"),
    [
        ("libreoffice.html", None, "P020230117395746521853.doc", "application/msword"),
        ("cms_layout.html", None, "t20230117_2154821.shtml", "text/html"),
        ("word.htm.gz", "unicode", "P020220125378421519.doc", "application/msword"),
    ],
)
def test_a_page_saved_as_utf16_reads_as_the_page(
    name: str, charset: str | None, filename: str, content_type: str, codec: str
) -> None:
    """A report page or attachment saved as UTF-16 with its byte order mark is HTML, and reads to exactly
    the text, cells and findings of the same page in its own encoding (UTF-8 or GB2312)."""
    original = _fixture(name)
    data = _utf16(original, codec, charset=charset)
    assert sniff(data) == "html"
    if name != "cms_layout.html":  # an office suite's export: seen through the UTF-16 too
        assert office_export(data)
    expected = read_text(original, filename=filename, content_type=content_type)
    extracted = read_text(data, filename=filename, content_type=content_type)
    assert (extracted.kind, extracted.text, extracted.warnings) == ("html", expected.text, expected.warnings)
    record = extract(data, filename=filename, content_type=content_type)
    assert _same_record(record) == _same_record(extract(original, filename=filename, content_type=content_type))
    assert record.tables_present == {"t2": True, "t3": True, "t4": True}


def test_the_cell_cap_counts_the_cells_of_a_utf16_page() -> None:
    """The cap on a page's table cells is counted before parsing (tests/extract/test_bounded.py): in UTF-16
    too, whose bytes hide every <td> from a count in UTF-8 or ASCII bytes."""
    from crawler.extract.formats.html import read_html

    page = ("<html><body><p>某街道2024年政府信息公开工作年度报告</p><table>" + "<tr><td>1</td></tr>" * 30).encode()
    for data in (page, _utf16(page, "utf-16-le"), _utf16(page, "utf-16-be")):
        with pytest.raises(ReadError) as refused:
            read_html(data, max_cells=29)
        assert (refused.value.reason, refused.value.detail) == ("grid_limit", "30 table cells in the page, limit 29")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_text_with_a_bom_is_text(codec: str) -> None:
    doc_id = "000_5dc0f6ddf6e173eb"
    data = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[codec] + seed_text(doc_id).encode(codec)
    assert sniff(data) == "text"
    assert read_text(data, filename="report.txt").text == seed_text(doc_id)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_a_bom_is_refused_not_a_crash(codec: str) -> None:
    """Without its byte order mark UTF-16 text cannot be told from binary: a clear refusal (P00 unsupported,
    the first bytes shown), never a reader's exception."""
    unmarked = _utf16(seed_text("000_5dc0f6ddf6e173eb").encode(), codec, bom=False)
    assert sniff(unmarked) == "unknown"
    with pytest.raises(ReadError) as refused:
        read_text(unmarked, filename="report.html")
    assert refused.value.reason == "unsupported" and "unrecognised content (first bytes" in str(refused.value)
    record = extract(unmarked, filename="report.html")
    assert [(f.rule, f.evidence["reason"]) for f in record.findings] == [("P00", "unsupported")]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_page_without_a_bom_reads_as_the_page(codec: str) -> None:
    """A page saved in UTF-16 without its mark opens with a tag, every other byte NUL: it is the page."""
    data = _fixture("libreoffice.html")
    unmarked = _utf16(data, codec, bom=False)
    assert sniff(unmarked) == "html"
    assert read_text(unmarked, filename="report.html").text == read_text(data, filename="report.html").text
