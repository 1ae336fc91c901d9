"""Whether bytes are a whole file (crawler/extract/formats/sniff.cut_short), on files real producers made:
LibreOffice's PDF, DOCX, Word 97 DOC and RTF, its HTML and XHTML, Word's "Save as Web Page" (also re-saved as UTF-16),
Chromium's MHTML, libjpeg's JPEG and zlib's PNG (Pillow). Each whole file is whole, each cut is cut, wherever
the cut falls; what a whole file may carry after its end (an incremental PDF update, bytes a server
appends, a zip comment, a comment after ``</html>``) never makes it cut."""

from __future__ import annotations

import codecs
import functools
import gzip
import io
import random
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from crawler.extract.formats.sniff import cut_short, sniff
from pipelines.archive import document_problem
from tests.extract.render import libreoffice_convert

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FRACTIONS = (0.05, 0.3, 0.5, 0.8, 0.97)


def _fixture(name: str) -> bytes:
    data = (FIXTURES / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def _word_unicode() -> bytes:
    """Word's web page as Word saves it with the "Unicode" encoding: UTF-16LE with its BOM."""
    return codecs.BOM_UTF16_LE + _fixture("html/word.htm.gz").decode("gb18030", errors="replace").encode("utf-16-le")


def _image(fmt: str) -> bytes:
    # Grain, as a scanner's: the encoders write a body of several kilobytes, not a header and a few bytes.
    picture = Image.frombytes("L", (400, 300), random.Random(0).randbytes(400 * 300))
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


@functools.cache
def _libreoffice(target: str) -> bytes:
    """The DOCX fixture saved by LibreOffice as ``target`` (doc: Word 97, an OLE2 compound file; rtf)."""
    return libreoffice_convert({"report.docx": _fixture("docx/libreoffice_textbox_tracked.docx")}, target)[
        "report.docx"
    ]


WHOLE = {
    "LibreOffice PDF": lambda: _fixture("pdf/seed001_landscape.pdf"),
    "LibreOffice DOCX": lambda: _fixture("docx/libreoffice_textbox_tracked.docx"),
    "LibreOffice DOC": lambda: _libreoffice("doc"),
    "LibreOffice RTF": lambda: _libreoffice("rtf"),
    "LibreOffice HTML": lambda: _fixture("html/libreoffice.html"),
    "LibreOffice XHTML": lambda: _fixture("html/libreoffice.xhtml"),
    "Word web page": lambda: _fixture("html/word.htm.gz"),
    "Word web page, Unicode": _word_unicode,
    "Chromium MHTML": lambda: _fixture("html/chromium.mhtml"),
    "JPEG": lambda: _image("JPEG"),
    "PNG": lambda: _image("PNG"),
}


@pytest.mark.parametrize("producer", sorted(WHOLE))
def test_a_whole_file_is_whole_and_every_cut_is_cut(producer: str) -> None:
    data = WHOLE[producer]()
    assert len(data) > 2000
    assert cut_short(data) is None
    for fraction in FRACTIONS:
        cut = data[: int(len(data) * fraction)]
        if producer == "Word web page, Unicode":
            cut = cut[: len(cut) // 2 * 2 - 1]  # cut inside a character too
        if producer == "LibreOffice DOC" and len(data) - len(cut) < 512:
            continue  # inside the last sector: whole to this rule (test_an_ole_file_whose_last_sector_is_short…)
        assert cut_short(cut) is not None, (producer, fraction)


def test_what_each_cut_is_told_by() -> None:
    def cut(name: str) -> str | None:
        data = WHOLE[name]()
        return cut_short(data[: len(data) // 2])

    assert cut("LibreOffice PDF") == "no %%EOF trailer: the PDF is cut short"
    assert cut("LibreOffice DOCX") == "no end of central directory: the zip is cut short"
    assert cut("LibreOffice DOC") == "the file ends before its last sector: the OLE file is cut short"
    assert cut("LibreOffice RTF") == "no closing brace: the RTF file is cut short"
    assert cut("LibreOffice HTML") == "the page ends before </html>: it is cut short"
    assert cut("Word web page, Unicode") == "the page ends before </html>: it is cut short"
    assert cut("Chromium MHTML") == "no closing MIME delimiter: the MHTML file is cut short"
    assert cut("JPEG") == "no end-of-image marker: the JPEG is cut short"
    assert cut("PNG") == "no IEND chunk: the PNG is cut short"


def test_what_follows_a_files_end_does_not_make_it_cut() -> None:
    pdf = _fixture("pdf/seed001_landscape.pdf")
    # An incremental update (a signature, an edit saved by Acrobat) appends objects, an xref and a second %%EOF.
    update = b"\n5000 0 obj\n<< /Producer (Acrobat) >>\nendobj\nxref\n5000 1\n0000000000 00000 n \ntrailer\n<<>>\n"
    assert cut_short(pdf + update + b"startxref\n0\n%%EOF\n") is None
    assert cut_short(pdf + update) is not None  # …and cut inside that update, it is cut
    assert cut_short(pdf + b"\x00" * 3000) is None  # what a server appends after the trailer (Acrobat allows it)
    assert cut_short(pdf + b"\x00" * 80_000) is None  # iTextSharp 4.1.2 pads its PDFs with NULs
    assert cut_short(pdf + b"\r\n" * 2500 + b"<html><body>download.jsp</body></html>") is None  # a script's page
    docx = io.BytesIO(_fixture("docx/libreoffice_textbox_tracked.docx"))
    with zipfile.ZipFile(docx, "a") as archive:
        archive.comment = b"x" * 60_000  # the longest a zip comment can nearly be
    assert cut_short(docx.getvalue()) is None
    html = _fixture("html/libreoffice.html")
    assert cut_short(html + b"\n<!-- generated in 0.02 s -->\n\n") is None
    assert cut_short(html.replace(b"</html>", b"").replace(b"</HTML>", b"")) is None  # </body> is an end too
    assert cut_short(html.replace(b"</html>", b"</html>" + b"<script>var t=1;</script>\n" * 4000)) is None


def test_an_end_tag_that_does_not_end_the_page_is_no_end() -> None:
    """A print helper's document.write('…</body></html>'), a commented-out footer, or a whole document a server
    included at the top (an SSI header): the page cut after them is cut all the same."""
    rows = "".join(f"<li><a href='./t2025011{n % 10}_{n}.html'>第{n}条</a></li>" for n in range(400))
    pages = {
        "print helper": "<script>function p(){w.document.write('<html><body>'+x+'</body></html>');}</script>",
        "comment": "<!-- <div class='foot'>版权所有</div></body></html> -->",
        "included document": "<html><head><title>页头</title></head><body><div>武昌区人民政府</div></body></html>",
    }
    for how, before in pages.items():
        whole = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{before}<ul>{rows}</ul></body></html>"
        data = whole.encode()
        assert cut_short(data) is None, how
        assert cut_short(data[: len(data) * 2 // 3]) == "the page ends before </html>: it is cut short", how


def test_an_ole_file_whose_last_sector_is_short_is_whole() -> None:
    """Writers in the wild leave the last sector short (olefile calls it a potential defect, not an error): a
    file that holds a part of its last used sector is whole; one that lost that sector is cut."""
    doc = _libreoffice("doc")
    assert len(doc) % 512 == 0
    assert cut_short(doc[:-300]) is None
    assert cut_short(doc[:-512]) == "the file ends before its last sector: the OLE file is cut short"
    assert cut_short(doc[:400]) == "the OLE header is cut short"


def test_a_zip_of_many_members_is_not_listed() -> None:
    """A zip of 200,000 members is no Word document: its kind is told from its end record, its directory never
    listed (700,000 members cost half a gigabyte)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        for n in range(200_000):
            archive.writestr(f"{n:x}", b"")
    data = out.getvalue()
    assert sniff(data) == "zip" and cut_short(data) is None and cut_short(data[:-100]) is not None
    assert document_problem("docx", data) == "not a docx: a zip of 65535 members (a Word document holds a few dozen)"


def test_files_it_cannot_judge_are_never_called_cut() -> None:
    odd = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000  # a sector size no OLE version has
    assert cut_short(odd) is None
    assert cut_short("报告全文，没有标记的纯文本".encode()) is None
    assert cut_short(b"<p>v1</p>") is None  # an HTML fragment opens no document: nothing tells where it ends
    assert cut_short(b"<div><html><body><p>v1</p>") is not None
    assert cut_short(b"") is None
