"""Whether bytes are a whole file (crawler/extract/formats/sniff.cut_short), on files real producers made:
LibreOffice's PDF, DOCX, Word 97 DOC (also one over 7 MB, whose allocation table needs DIFAT sectors) and RTF,
its HTML and XHTML, Word's "Save as Web Page" (also re-saved as UTF-16, with and without a BOM), Chromium's
MHTML, libjpeg's JPEG (baseline, progressive, CMYK, with restart markers, with an EXIF thumbnail) and zlib's
PNG (Pillow), PDFium's incremental update, a motion photo (Pillow's JPEG, Chromium's MP4 video). Each whole
file is whole, each cut is cut, wherever the cut falls; what a whole file may carry after its end (an
incremental PDF update, bytes a server appends, a zip comment, a comment after ``</html>``, a motion photo's
video) never makes it cut."""

from __future__ import annotations

import base64
import codecs
import functools
import gzip
import io
import random
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from docx.shared import Cm
from PIL import ExifTags, Image
from playwright.sync_api import sync_playwright

from crawler.extract.formats.sniff import cut_short, sniff
from pipelines.archive import document_problem
from tests.extract.render import libreoffice_convert

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FRACTIONS = (0.05, 0.3, 0.5, 0.8, 0.97)


def _fixture(name: str) -> bytes:
    data = (FIXTURES / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def _word_unicode(codec: str = "utf-16-le", bom: bool = True) -> bytes:
    """Word's web page as Word saves it with the "Unicode" encoding: UTF-16LE with its BOM (or without one, as
    Word can write it too; "Unicode big endian": UTF-16BE)."""
    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[codec] if bom else b""
    return mark + _fixture("html/word.htm.gz").decode("gb18030", errors="replace").encode(codec)


def _image(fmt: str, mode: str = "L", size: tuple[int, int] = (400, 300), **options: object) -> bytes:
    # Grain, as a scanner's: the encoders write a body of several kilobytes, not a header and a few bytes.
    bands = len(Image.new(mode, (1, 1)).getbands())
    picture = Image.frombytes(mode, size, random.Random(0).randbytes(size[0] * size[1] * bands))
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def _exif_thumbnail() -> bytes:
    """A JPEG whose APP1 (EXIF) segment holds a thumbnail, a whole JPEG with its own SOI…EOI, as cameras and
    phones write: the EXIF block (a TIFF whose IFD1 points at the thumbnail) built to the EXIF spec, the images
    and the segment written by libjpeg (Pillow)."""
    thumbnail = _image("JPEG", "RGB", (160, 120), quality=60)
    ifd0, ifd1 = 8, 8 + 2 + 12 + 4
    at = ifd1 + 2 + 3 * 12 + 4  # the thumbnail, after IFD1
    tiff = b"II*\x00" + struct.pack("<I", ifd0)
    tiff += struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, 1) + struct.pack("<I", ifd1)  # orientation
    tiff += struct.pack("<H", 3) + struct.pack("<HHII", 0x0103, 3, 1, 6)  # compression: JPEG
    tiff += struct.pack("<HHII", 0x0201, 4, 1, at) + struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))
    tiff += struct.pack("<I", 0) + thumbnail  # no IFD after IFD1
    data = _image("JPEG", "RGB", exif=b"Exif\x00\x00" + tiff)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.IFD1)[0x0202] == len(thumbnail)
    return data


@functools.cache
def _libreoffice(target: str) -> bytes:
    """The DOCX fixture saved by LibreOffice as ``target`` (doc: Word 97, an OLE2 compound file; rtf)."""
    return libreoffice_convert({"report.docx": _fixture("docx/libreoffice_textbox_tracked.docx")}, target)[
        "report.docx"
    ]


@functools.cache
def _large_doc() -> bytes:
    """A report with a 9 MB picture (noise, which no codec shrinks) saved by LibreOffice as Word 97: over 7 MB,
    so its allocation table needs more sectors than the header's 109 and lists the rest in a DIFAT sector."""
    picture = _image("PNG", "RGB", (1800, 1800), compress_level=0)
    report = docx.Document()
    report.add_paragraph("2024年政府信息公开工作年度报告（附图）")
    report.add_picture(io.BytesIO(picture), width=Cm(10))
    out = io.BytesIO()
    report.save(out)
    return libreoffice_convert({"report.docx": out.getvalue()}, "doc:MS Word 97")["report.docx"]


def _rtf_with_picture(payload: bytes) -> bytes:
    """LibreOffice's RTF with a picture whose bytes are written raw (``\\binN``, as Word may write them),
    before the document's first paragraph ends: the braces among those bytes open and close nothing."""
    rtf = _libreoffice("rtf")
    at = rtf.index(b"\\par ")
    picture = b"{\\pict\\pngblip\\picw10\\pich10\\bin%d " % len(payload) + payload + b"}"
    return rtf[:at] + picture + rtf[at:]


@functools.cache
def _rtf_paths() -> bytes:
    """A paragraph naming folders in bold ("D:\\年报\\"), saved by LibreOffice as RTF: a bold run that ends in a
    backslash ends ``\\\\}``, an escaped backslash and then the brace that closes the run; a folder named
    ``\\bin2`` is text, no control word."""
    report = docx.Document()
    paragraph = report.add_paragraph("附件存放位置：")
    paragraph.add_run("D:\\年报\\").bold = True
    paragraph.add_run(" 与 {附表} 和 \\{ ").italic = True
    paragraph.add_run(" C:\\bin2 ").bold = True  # no \\binN control word: its backslash is escaped
    for n in range(40):
        report.add_paragraph(f"第{n}条 见 ").add_run(f"\\\\server\\share{n}\\").bold = True
    out = io.BytesIO()
    report.save(out)
    return libreoffice_convert({"paths.docx": out.getvalue()}, "rtf")["paths.docx"]


WHOLE: dict[str, Callable[[], bytes]] = {
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
    "JPEG, progressive": lambda: _image("JPEG", "RGB", progressive=True),
    "JPEG, CMYK": lambda: _image("JPEG", "CMYK"),
    "JPEG, restart markers": lambda: _image("JPEG", "RGB", restart_marker_blocks=4),
    "JPEG, EXIF thumbnail": _exif_thumbnail,
    "PNG": lambda: _image("PNG"),
    "LibreOffice DOC over 7 MB": _large_doc,
    "LibreOffice RTF, a \\bin picture": lambda: _rtf_with_picture(b"{{{{{{"),
    "LibreOffice RTF, paths in bold": _rtf_paths,
    "Word web page, Unicode without BOM": lambda: _word_unicode(bom=False),
    "Word web page, Unicode big endian without BOM": lambda: _word_unicode("utf-16-be", bom=False),
}


@pytest.mark.parametrize("producer", sorted(WHOLE))
def test_a_whole_file_is_whole_and_every_cut_is_cut(producer: str) -> None:
    data = WHOLE[producer]()
    assert len(data) > 2000
    assert cut_short(data) is None
    for fraction in FRACTIONS:
        cut = data[: int(len(data) * fraction)]
        if producer.startswith("Word web page, Unicode"):
            cut = cut[: len(cut) // 2 * 2 - 1]  # cut inside a character too
        if producer.startswith("LibreOffice DOC") and len(data) - len(cut) < 512:
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


# ---- what follows a JPEG's end; PDF updates and junk; RTF pictures; OLE files over 7 MB; UTF-16 without BOM ----

JPEG_CUT = "no end-of-image marker: the JPEG is cut short"
UPDATE_CUT = "an update after the last %%EOF ends without its own: the PDF is cut short"
OLE_CUT = "the file ends before its last sector: the OLE file is cut short"

# A second and a half of an animated canvas, recorded by Chromium's MediaRecorder as MP4 and returned in base64.
_RECORD = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 96;
  const context = canvas.getContext('2d');
  let n = 0;
  const draw = setInterval(() => {
    for (let i = 0; i < 40; i++, n++) {
      context.fillStyle = `hsl(${(n * 47) % 360},80%,50%)`;
      context.fillRect((n * 13) % 96, (n * 29) % 96, 9, 9);
    }
  }, 20);
  const recorder = new MediaRecorder(canvas.captureStream(30), {mimeType: 'video/mp4'});
  const parts = [];
  recorder.ondataavailable = (event) => parts.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  recorder.stop();
  await stopped;
  clearInterval(draw);
  let text = '';
  for (const byte of new Uint8Array(await new Blob(parts).arrayBuffer())) text += String.fromCharCode(byte);
  return btoa(text);
}"""


@functools.cache
def _chromium_mp4() -> bytes:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page()
            page.set_content("<html><body></body></html>")
            return base64.b64decode(page.evaluate(_RECORD))
        finally:
            browser.close()


def _motion_photo_xmp(video: int) -> bytes:
    """The XMP by which a Google motion photo names the MP4 video that follows its JPEG (Motion Photo format 1.0)."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
        'xmlns:Container="http://ns.google.com/photos/1.0/container/" '
        'xmlns:Item="http://ns.google.com/photos/1.0/container/item/" '
        'GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" GCamera:MotionPhotoPresentationTimestampUs="0">'
        "<Container:Directory><rdf:Seq>"
        '<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" '
        'Item:Length="0" Item:Padding="0"/></rdf:li>'
        '<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" '
        f'Item:Length="{video}" Item:Padding="0"/></rdf:li>'
        "</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def test_a_motion_photo_ends_where_its_jpeg_ends() -> None:
    """A motion photo is a whole JPEG and then an MP4 video, whose bytes hold FF D9 anywhere but at their end: the
    end-of-image marker of the JPEG's primary image is the file's end. Cut within the JPEG it is cut; cut within the
    video the picture is whole, and it is all the reader reads."""
    video = _chromium_mp4()
    assert video[4:8] == b"ftyp" and not video.endswith(b"\xff\xd9")
    jpeg = _image("JPEG", "RGB", xmp=_motion_photo_xmp(len(video)))
    photo = jpeg + video
    assert sniff(photo) == "image"
    assert cut_short(photo) is None and cut_short(photo + b"\x00" * 1000) is None
    for fraction in FRACTIONS:
        assert cut_short(photo[: int(len(jpeg) * fraction)]) == JPEG_CUT, fraction
        assert cut_short(photo[: len(jpeg) + int(len(video) * fraction)]) is None, fraction
    assert cut_short(jpeg + b"<html><body>download.jsp</body></html>") is None  # a server's bytes after the EOI


def test_the_end_of_a_jpegs_thumbnail_is_not_the_jpegs_end() -> None:
    """An EXIF thumbnail is a whole JPEG inside the APP1 segment, its EOI long before the picture's: a copy cut just
    after it ends with FF D9 and is still cut."""
    photo = _exif_thumbnail()
    thumbnail = _image("JPEG", "RGB", (160, 120), quality=60)
    thumbnail_end = photo.index(thumbnail) + len(thumbnail)
    assert thumbnail_end < len(photo) // 4 and photo[thumbnail_end - 2 : thumbnail_end] == b"\xff\xd9"
    assert cut_short(photo[:thumbnail_end]) == JPEG_CUT
    assert cut_short(photo[: thumbnail_end + 1000]) == JPEG_CUT
    assert cut_short(photo[:thumbnail_end] + b"\x00" * 100) == JPEG_CUT


def test_what_follows_the_last_eof_is_an_update_only_if_it_begins_as_one() -> None:
    """An unfinished incremental update begins right after %%EOF (and line ends or padding) with an object or an
    xref; what begins otherwise is junk, whatever it mentions: a download script's page about "1 0 obj"."""
    pdf = _fixture("pdf/seed001_landscape.pdf")
    page = (
        b"<html><head><title>download</title></head><body><p>If the reader says 1 0 obj is damaged, retry.</p>"
        b"<script>var hint = '1 0 obj << >> endobj xref trailer startxref';</script></body></html>"
    )
    assert cut_short(pdf + page) is None
    assert cut_short(pdf + b"\r\n" * 3 + page) is None
    assert cut_short(pdf + b"\x00" * 4096 + page) is None
    assert cut_short(pdf + b"0\r\n\r\n") is None  # a chunked response's last-chunk line, leaked into the body
    assert cut_short(pdf + b"\n5 0 obj\n<< /Type /Page") == UPDATE_CUT
    assert cut_short(pdf + b"\n5 0 obj\n<< /Type /Page /Annots [] >>\nendobj\n" + page) == UPDATE_CUT
    assert cut_short(pdf + b"xref\n0 6\n0000000000 65535 f \n") == UPDATE_CUT


def test_an_incremental_update_cut_anywhere_is_cut() -> None:
    """PDFium's incremental save (a page added, as an editor saves an edit): the LibreOffice PDF unchanged, then
    the update's objects, xref and %%EOF. Whole, it is whole; cut anywhere within the update, even within its
    first words, it is cut."""
    pdf = _fixture("pdf/seed001_landscape.pdf")
    document = pypdfium2.PdfDocument(pdf)
    try:
        document.new_page(595, 842)
        out = io.BytesIO()
        document.save(out, flags=pdfium_c.FPDF_INCREMENTAL)
    finally:
        document.close()
    updated = out.getvalue()
    assert updated.startswith(pdf) and updated.count(b"%%EOF") == pdf.count(b"%%EOF") + 1
    assert cut_short(updated) is None
    update = updated[len(pdf) :]
    assert update.lstrip()[:1].isdigit()  # it begins with an object: "22 0 obj"
    for fraction in FRACTIONS:
        assert cut_short(updated[: len(pdf) + int(len(update) * fraction)]) is not None, fraction
    first_words = len(pdf) + update.index(b" obj")
    assert cut_short(updated[:first_words]) == UPDATE_CUT  # "22 0"
    assert cut_short(updated[: first_words + 3]) == UPDATE_CUT  # "22 0 ob"


@pytest.mark.parametrize("payload", ["{{{{{{", "}}}}}}", "PNG"])
def test_braces_in_a_pictures_raw_bytes_open_and_close_nothing(payload: str) -> None:
    """A picture written raw (``\\binN``: N bytes after the control word) may hold any byte, braces too: they are
    no groups. Whole, the file is whole; cut within the picture or after it, cut."""
    raw = _image("PNG", size=(40, 30)) if payload == "PNG" else payload.encode()
    rtf = _rtf_with_picture(raw)
    assert cut_short(rtf) is None
    control = b"\\bin%d " % len(raw)
    picture_end = rtf.index(control) + len(control) + len(raw)
    assert cut_short(rtf[: picture_end - 1]) == "a binary payload runs past the end: the RTF file is cut short"
    for fraction in (*FRACTIONS, 0.7):
        assert cut_short(rtf[: int(len(rtf) * fraction)]) is not None, fraction
    assert cut_short(rtf[: picture_end + 1]) == "no closing brace: the RTF file is cut short"


def test_a_doc_over_7_mb_lists_its_allocation_table_in_a_difat_sector() -> None:
    """LibreOffice's Word 97 file with a 9 MB picture: its header lists 109 allocation table sectors, a DIFAT
    sector the rest (whole and cut: test_a_whole_file_is_whole_and_every_cut_is_cut)."""
    doc = _large_doc()
    first_difat, difat_sectors = struct.unpack_from("<II", doc, 0x44)
    assert len(doc) > 7 << 20 and struct.unpack_from("<I", doc, 0x2C)[0] > 109 and difat_sectors > 0
    assert (first_difat + 2) * 512 <= len(doc)


_END_OF_CHAIN, _FREE, _FAT_SECTOR, _DIFAT_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC


def _compound_file(stream_size: int) -> bytes:
    """A compound file built to [MS-CFB] (version 3, 512-byte sectors) laid out as some writers do: the directory,
    the allocation table and the DIFAT sectors first, then one stream of ``stream_size`` bytes. Over 7 MB, the
    109 table sectors the header lists end long before the sectors the file uses."""
    size, per_sector = 512, 128
    data = -(-stream_size // size)
    tables = difat = 0
    while (tables, difat) != (
        need := -(-(1 + tables + difat + data) // per_sector),
        need_difat := -(-max(0, need - 109) // (per_sector - 1)),
    ):
        tables, difat = need, need_difat
    table_at, difat_at = list(range(1, 1 + tables)), list(range(1 + tables, 1 + tables + difat))
    first = 1 + tables + difat
    table = [_FREE] * (tables * per_sector)
    table[0] = _END_OF_CHAIN  # the directory
    for sector in table_at:
        table[sector] = _FAT_SECTOR
    for sector in difat_at:
        table[sector] = _DIFAT_SECTOR
    table[first : first + data] = [*range(first + 1, first + data), _END_OF_CHAIN]
    listed = table_at + [_FREE] * (109 + difat * (per_sector - 1) - tables)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        tables,
        0,
        0,
        4096,
        _END_OF_CHAIN,
        0,
        difat_at[0] if difat else _END_OF_CHAIN,
        difat,
    ) + struct.pack("<109I", *listed[:109])
    chain = [*difat_at[1:], _END_OF_CHAIN]
    difat_sectors = b"".join(
        struct.pack("<128I", *listed[109 + n * 127 : 109 + (n + 1) * 127], chain[n]) for n in range(difat)
    )

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, _FREE, _FREE, child, bytes(16), 0, 0, 0, start, length
        )

    directory = entry("Root Entry", 5, 1, _END_OF_CHAIN, 0) + entry("WordDocument", 2, _FREE, first, stream_size)
    directory += entry("", 0, _FREE, 0, 0) * 2
    stream = random.Random(1).randbytes(stream_size) + bytes(data * size - stream_size)
    return header + directory + struct.pack(f"<{len(table)}I", *table) + difat_sectors + stream


def test_an_ole_file_whose_difat_sectors_list_its_last_tables_is_cut_wherever_cut() -> None:
    """Past the 109 sectors its header lists, the allocation table lies in sectors a chain of DIFAT sectors lists:
    a 12 MB file cut after its first 7 MB is cut all the same. A chain that loops, or a count past every bound,
    is judged at once."""
    data = _compound_file(12 << 20)
    assert struct.unpack_from("<I", data, 0x48)[0] == 1 and len(data) // 512 > 109 * 128
    assert cut_short(data) is None and cut_short(data[:-300]) is None
    for fraction in (*FRACTIONS, 0.6):
        assert cut_short(data[: int(len(data) * fraction)]) == OLE_CUT, fraction
    assert cut_short(data[:-512]) == OLE_CUT
    looped = bytearray(data)
    first_difat = struct.unpack_from("<I", data, 0x44)[0]
    struct.pack_into("<I", looped, 0x48, 0xFFFFFFFF)  # a count past every bound
    struct.pack_into("<I", looped, (first_difat + 1) * 512 + 508, first_difat)  # a chain back to itself
    started = time.monotonic()
    assert cut_short(bytes(looped)) is None
    assert cut_short(bytes(looped[: len(looped) * 4 // 5])) == OLE_CUT
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_page_in_utf16_without_a_bom_is_judged_as_a_page(codec: str) -> None:
    """A page saved as UTF-16 without its byte order mark is HTML, told by its first tag, and judged by its closing
    tags; text without a BOM (no tag) stays unknown, as binary would."""
    page = _fixture("html/libreoffice.html").decode("utf-8").encode(codec)
    assert sniff(page) == "html"
    assert cut_short(page) is None
    assert cut_short(("\r\n" + "<!DOCTYPE html>\r\n").encode(codec) + page) is None
    for fraction in FRACTIONS:
        assert cut_short(page[: int(len(page) * fraction)]) == "the page ends before </html>: it is cut short"
    assert sniff("报告全文，没有标记的纯文本".encode(codec)) == "unknown"
    assert cut_short("<p>一段</p>".encode(codec)) is None  # a fragment: nothing tells where it ends


def test_hostile_files_are_judged_in_linear_time() -> None:
    """Files made to cost: a scan of nothing but stuffed bytes, thousands of empty JPEG segments, thousands of
    empty RTF pictures, braces behind runs of backslashes. Each is judged in well under a second."""
    size = 8 << 20
    hostile = {
        "stuffed scan": b"\xff\xd8\xff\xda\x00\x02" + b"\xff\x00" * (size // 2),
        "fill bytes": b"\xff\xd8\xff\xda\x00\x02" + b"\xff" * size,
        "empty segments": b"\xff\xd8" + b"\xff\xfe\x00\x02" * (size // 4) + b"\xff\xd9",
        "empty pictures": b"{\\rtf1 " + b"{\\pict\\bin0 }" * (size // 13) + b"}",
        "escapes": b"{\\rtf1 " + b"\\\\\\{" * (size // 4) + b"}",
    }
    for name, data in hostile.items():
        started = time.monotonic()
        cut_short(data)
        assert time.monotonic() - started < 1, name
