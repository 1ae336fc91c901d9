"""Render a replica report in every format a portal serves: inline HTML, DOCX, PDF, legacy DOC, scan PDF.

The three statutory tables are described once, as rows of cells with row and column spans laid out
like the official template (申请人情况 over 自然人 | 法人或其他组织 (5) | 总计; the group labels
（三）不予公开 … as row-spanning cells; in table 4 the five 行政复议 headers span two rows beside
未经复议直接起诉 / 复议后起诉), and each format draws that same description: HTML tables with the
noise of Word-to-HTML conversion, DOCX tables with merged cells, PDF tables with ruled lines
(reportlab, built-in CID font, no font files), DOC converted from the DOCX by LibreOffice, and an
image-only PDF rasterised from the text PDF for the OCR path.

Every output is byte-for-byte deterministic for the same report: fixed zip entry dates and document
properties in DOCX, reportlab's invariant mode in PDF, and a content-keyed on-disk cache for DOC
(LibreOffice output is not reproducible, so a DOC is made once per DOCX and reused by every process).
Conversion noise (lost list numbers, dropped 年/月/〕) is HTML-only and never touches a table value or
a sentence the extraction reads facts from.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import html
import io
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from crawler import template as tpl
from replica.reports import ReportSpec

# ---- the tables, described once -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1


Row = tuple[Cell, ...]
Shape = tuple[int, list[Row]]  # (column count, rows)
Block = tuple[str, "str | Shape"]  # ("title"|"heading"|"sub"|"para"|"sign", text) or ("table", shape)


def _v(spec: ReportSpec, key: str) -> str:
    value = spec.values[key]
    return "" if value is None else str(value)


def _t2_rows(spec: ReportSpec) -> Shape:
    blocks = tpl.T2_GB2021_BLOCKS if spec.template == tpl.GB2021 else tpl.T2_GB2019_BLOCKS
    prefix = "t2" if spec.template == tpl.GB2021 else "t2_19"
    rows: list[Row] = []
    for block, headers, items, columns in blocks:
        rows.append((Cell(block, colspan=4),))
        # A block with fewer than three value columns stretches its last one (as the template prints it).
        spans = [1] * (len(headers) - 1) + [4 - len(headers)]
        rows.append((Cell("信息内容"), *(Cell(h, colspan=n) for h, n in zip(headers, spans, strict=True))))
        for key, label in items:
            keys = [f"{prefix}_{key}_{col}" for col in columns]
            cells = [Cell(_v(spec, k), colspan=n) for k, n in zip(keys, spans, strict=True)]
            rows.append((Cell(label), *cells))
    return 4, rows


def _t3_rows(spec: ReportSpec) -> Shape:
    version = spec.template
    rows: list[Row] = [
        (Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", colspan=3, rowspan=3),
         Cell("申请人情况", colspan=7)),
        (Cell("自然人", rowspan=2), Cell("法人或其他组织", colspan=5), Cell("总计", rowspan=2)),
        tuple(Cell(tpl.T3_COLUMN_LABELS[c]) for c in tpl.T3_COLUMNS[1:6]),
    ]  # fmt: skip

    def values(row: str) -> tuple[Cell, ...]:
        return tuple(Cell(_v(spec, f"t3_{row}_{c}")) for c in tpl.T3_COLUMNS)

    result_rows = [r for r in tpl.t3_rows(version) if r not in ("new", "carried_in", "carried_out")]
    groups: dict[str, list[str]] = {}
    for key, group, _label, _v2 in tpl.T3_ROWS:
        if key in result_rows and group and group.startswith("（"):
            groups.setdefault(group, []).append(key)
    labels = {key: label for key, _g, label, _v2 in tpl.T3_ROWS}
    seen_groups: set[str] = set()
    for row in ("new", "carried_in", *result_rows, "carried_out"):
        if row in ("new", "carried_in", "carried_out"):
            rows.append((Cell(labels[row], colspan=3), *values(row)))
            continue
        lead: list[Cell] = []
        if row == result_rows[0]:
            lead.append(Cell("三、本年度办理结果", rowspan=len(result_rows)))
        group = next((g for g, members in groups.items() if row in members), None)
        if group is None:
            rows.append((*lead, Cell(labels[row], colspan=2), *values(row)))
        else:
            if group not in seen_groups:
                seen_groups.add(group)
                lead.append(Cell(group, rowspan=len(groups[group])))
            rows.append((*lead, Cell(labels[row]), *values(row)))
    return 10, rows


def _t4_rows(spec: ReportSpec) -> Shape:
    labels = [Cell(tpl.T4_COLUMN_LABELS[c]) for c in tpl.T4_COLUMNS]
    return 15, [
        (Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)),
        (
            *(Cell(c.text, rowspan=2) for c in labels),
            Cell("未经复议直接起诉", colspan=5),
            Cell("复议后起诉", colspan=5),
        ),
        (*labels, *labels),
        tuple(Cell(_v(spec, key)) for key in tpl.T4_KEYS),
    ]


def tables(spec: ReportSpec) -> dict[str, Shape]:
    """The three statutory tables: section id → (column count, rows)."""
    return {"S2": _t2_rows(spec), "S3": _t3_rows(spec), "S4": _t4_rows(spec)}


def grid(width: int, rows: list[Row]) -> list[tuple[int, int, Cell]]:
    """Absolute (row, column) of every cell, laid out as a browser lays out an HTML table."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
        if c > width:
            raise ValueError(f"row {r} is {c} cells wide, more than {width}")
    return placed


_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）[^。]{2,24}$")


def blocks(spec: ReportSpec) -> list[Block]:
    """The document in reading order: ("title"|"heading"|"sub"|"para"|"table"|"sign", content)."""
    out: list[Block] = [("title", spec.title)]
    shapes = tables(spec)
    for sid, number, label in tpl.SECTIONS:
        out.append(("heading", spec.headings.get(sid, f"{number}{label}")))
        for paragraph in spec.prose.get(sid, ()):
            out.append(("sub" if _SUBHEADING.match(paragraph) else "para", paragraph))
        if sid in shapes:
            out.append(("table", shapes[sid]))
    day = spec.signed_date
    out += [("sign", spec.publisher), ("sign", f"{day.year}年{day.month}月{day.day}日")]
    return out


# ---- HTML (inline on the detail page) -----------------------------------------------------------

_FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_LIST_NUMBER = re.compile(r"^(\d+)([.、])")


def _noisy(text: str, kind: str, rng: random.Random) -> str:
    """Word-to-HTML damage seen on real pages (docs/portals.md §1 item 5), prose only.

    Lost auto-numbers keep their punctuation: 「（一）政府信息主动公开情况」 → 「()政府信息主动公开情况」,
    「1.安排部署」 → 「.安排部署」 (section headings keep theirs: losing one is rule V03, broken on
    purpose in every format, not noise). Dates lose
    their 年/月 (「2025年1月1日至2025年12月31日」 → 「202511日至20251231日」) and citations their 〕
    (「〔2021〕30号」 → 「〔202130号」). Only characters are dropped, never digits, so no count changes and
    no new 「YYYY年」 appears.
    """
    if kind == "sub" and rng.random() < 0.25:
        return "()" + text[text.index("）") + 1 :]
    if kind == "para":
        if rng.random() < 0.2:
            text = _LIST_NUMBER.sub(r"\2", text, count=1)
        if rng.random() < 0.35:
            text = _FULL_DATE.sub(lambda m: f"{m[1]}{m[2]}{m[3]}日", text)
        if rng.random() < 0.5:
            text = re.sub(r"〔(\d{4})〕", r"〔\1", text)
    return text


_FONTS = {
    "title": ("22.0pt", "方正小标宋简体"),
    "heading": ("16.0pt", "黑体"),
    "sub": ("16.0pt", "楷体_GB2312"),
    "para": ("16.0pt", "仿宋_GB2312"),
    "sign": ("16.0pt", "仿宋_GB2312"),
}
_LATIN = re.compile(r"([0-9A-Za-z.%]+)")


def _runs(text: str, size: str, font: str) -> str:
    """Word splits a paragraph into runs; digits and Latin letters get their own lang="EN-US" span."""
    out = []
    for n, piece in enumerate(_LATIN.split(text)):
        if not piece:
            continue
        if n % 2:
            out.append(f'<span lang="EN-US" style="font-size:{size};font-family:&quot;Times New Roman&quot;,'
                       f'serif;mso-fareast-font-family:{font}">{html.escape(piece)}</span>')  # fmt: skip
        else:
            out.append(f'<span style="font-size:{size};font-family:{font};mso-ascii-font-family:'
                       f'&quot;Times New Roman&quot;">{html.escape(piece)}</span>')  # fmt: skip
    return "".join(out)


def render_html(spec: ReportSpec) -> str:
    """The report body as Word's "save as web page" leaves it, for the portal's TRS_Editor div."""
    rng = random.Random(spec.seed + 11)
    parts: list[str] = []
    for kind, content in blocks(spec):
        if not isinstance(content, str):
            parts.append(_html_table(content[1], rng))
            continue
        size, font = _FONTS[kind]
        text = _runs(_noisy(content, kind, rng), size, font)
        if kind == "title":
            parts.append(
                f'<p class="MsoNormal" align="center" style="text-align:center;line-height:28.0pt;'
                f'mso-line-height-rule:exactly"><b>{text}</b><span lang="EN-US"><o:p></o:p></span></p>'
            )
            parts.append('<p class="MsoNormal"><span lang="EN-US">&nbsp;</span></p>')
        elif kind == "sign":
            parts.append(
                f'<p class="MsoNormal" align="right" style="text-align:right;line-height:28.0pt">'
                f'{text}<span lang="EN-US"><o:p></o:p></span></p>'
            )
        else:
            indented = kind != "heading" or rng.random() < 0.5
            indent = "text-indent:32.0pt;mso-char-indent-count:2.0;" if indented else ""
            parts.append(
                f'<p class="MsoNormal" style="{indent}line-height:28.0pt;mso-line-height-rule:exactly">'
                f'{text}<span lang="EN-US"><o:p></o:p></span></p>'
            )
        if kind == "para" and rng.random() < 0.08:  # the stray empty paragraph Word leaves behind
            parts.append('<p class="MsoNormal"><span lang="EN-US">&nbsp;<o:p></o:p></span></p>')
    return "\n".join(parts) + "\n"


def _html_table(rows: list[Row], rng: random.Random) -> str:
    out = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="604" '
           'style="width:453.0pt;border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;'
           'mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt">']  # fmt: skip
    for n, row in enumerate(rows):
        cells = []
        for cell in row:
            attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
                f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else ""
            )
            if cell.text:
                text = html.escape(cell.text)
                # Word pads a few numbers with a non-breaking space (seed 004 lines 356, 359).
                if cell.text.isdigit() and rng.random() < 0.03:
                    text = "&nbsp;" + text
                lang = ' lang="EN-US"' if cell.text.isdigit() else ""
                body = f'<span{lang} style="font-size:10.5pt;font-family:宋体">{text}<o:p></o:p></span>'
            else:
                body = '<span lang="EN-US" style="font-size:10.5pt"><o:p>&nbsp;</o:p></span>'
            cells.append(f'<td{attrs} valign="middle" style="border:solid windowtext 1.0pt;'
                         f'mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt">'
                         f'<p class="MsoNormal" align="center" style="text-align:center">{body}'
                         "</p></td>")  # fmt: skip
        out.append(f'<tr style="mso-yfti-irow:{n};height:20.0pt">' + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


# ---- DOCX -----------------------------------------------------------------------------------------


def render_docx(spec: ReportSpec) -> bytes:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "仿宋_GB2312"
    # python-docx sets only the Latin font; CJK text needs the eastAsia attribute too.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    for kind, content in blocks(spec):
        if not isinstance(content, str):
            width, rows = content
            placed = grid(width, rows)
            height = max(r + cell.rowspan for r, _c, cell in placed)
            table = document.add_table(rows=height, cols=width)
            table.style = "Table Grid"
            # table.cell() re-reads the whole grid on every call; take each row's cells once, before
            # merging (spans never overlap, so every cell used below is still in the table).
            cells = [row.cells for row in table.rows]
            for r, c, cell in placed:
                target = cells[r][c]
                if cell.rowspan > 1 or cell.colspan > 1:
                    target = target.merge(cells[r + cell.rowspan - 1][c + cell.colspan - 1])
                target.text = cell.text
            continue
        paragraph = document.add_paragraph(content)
        if kind in ("title", "heading"):
            for run in paragraph.runs:
                run.bold = True
        if kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "sign":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # Fixed document properties: the same report always gives the same bytes.
    props = document.core_properties
    props.author = spec.publisher
    props.title = spec.title
    props.created = props.modified = props.last_printed = dt.datetime(2000, 1, 1)
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry dates and order (python-docx stamps the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


# ---- PDF --------------------------------------------------------------------------------------

# reportlab's invariant flag and CID font registry are process-global: one render at a time.
_PDF_LOCK = threading.RLock()


def render_pdf(spec: ReportSpec) -> bytes:
    with _PDF_LOCK:
        rl_config.invariant = 1
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        body = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=17, wordWrap="CJK")
        styles = {
            "title": ParagraphStyle("title", parent=body, fontSize=15, leading=24, alignment=1),
            "heading": ParagraphStyle("heading", parent=body, fontSize=12, spaceBefore=4),
            "sub": ParagraphStyle("sub", parent=body, fontSize=11),
            "sign": ParagraphStyle("sign", parent=body, alignment=2),
            "para": ParagraphStyle("para", parent=body, firstLineIndent=22),  # two characters, as printed
        }
        small = ParagraphStyle("cell", parent=body, fontSize=7, leading=8.5, alignment=1)
        flow: list[Flowable] = []
        for kind, content in blocks(spec):
            if isinstance(content, str):
                flow.append(Paragraph(html.escape(content), styles[kind]))
            else:
                # A table never straddles a page: a page break inside a row span would cut the group
                # labels off their rows, and pdfplumber reads each page's table separately.
                flow.append(KeepTogether([Spacer(1, 2 * mm), _pdf_table(content[0], content[1], small)]))
                flow.append(Spacer(1, 3 * mm))
        buffer = io.BytesIO()
        margins = {
            "leftMargin": 15 * mm,
            "rightMargin": 15 * mm,
            "topMargin": 15 * mm,
            "bottomMargin": 15 * mm,
        }
        doc = SimpleDocTemplate(buffer, pagesize=A4, title=spec.title, author=spec.publisher, **margins)
        doc.build(flow)
        return buffer.getvalue()


def _pdf_table(width: int, rows: list[Row], style: ParagraphStyle) -> Table:
    placed = grid(width, rows)
    height = max(r + cell.rowspan for r, _c, cell in placed)
    data: list[list[Paragraph | str]] = [["" for _ in range(width)] for _ in range(height)]
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for r, c, cell in placed:
        data[r][c] = Paragraph(html.escape(cell.text), style) if cell.text else ""
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    usable = 180 * mm
    if width == 10:  # t3: three label columns, seven value columns
        widths = [14 * mm, 18 * mm, 48 * mm] + [(usable - 80 * mm) / 7] * 7
    elif width == 4:  # t2: label and three value columns
        widths = [45 * mm] + [(usable - 45 * mm) / 3] * 3
    else:
        widths = [usable / width] * width
    return Table(data, colWidths=widths, style=TableStyle(commands), repeatRows=0)


def render_scan_pdf(spec: ReportSpec, dpi: int = 150) -> bytes:
    """An image-only PDF (no text layer), as if the signed paper report had been scanned: the OCR path.

    Pages of :func:`render_pdf` rasterised by PDFium in greyscale; deterministic for a given PDFium.
    """
    # A pdfplumber dependency; imported here so that the other renderers do not load PDFium.
    import pypdfium2  # noqa: PLC0415

    text_pdf = pypdfium2.PdfDocument(render_pdf(spec))
    try:
        images = [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in text_pdf]
    finally:
        text_pdf.close()
    with _PDF_LOCK:
        rl_config.invariant = 1
        buffer = io.BytesIO()
        page_w, page_h = A4
        pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
        for image in images:
            pdf.drawImage(ImageReader(image), 0, 0, width=page_w, height=page_h)
            pdf.showPage()
        pdf.save()
        return buffer.getvalue()


# ---- DOC (legacy Word, through LibreOffice) -------------------------------------------------------

DOC_TIMEOUT = 120  # seconds; a cold LibreOffice start with a fresh profile takes a few seconds


def cache_dir() -> Path:
    root = os.environ.get("NIANBAO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "nianbao")
    path = Path(root) / "replica"
    path.mkdir(parents=True, exist_ok=True)
    return path


def render_doc(spec: ReportSpec) -> bytes:
    """The DOCX converted to Word 97 by LibreOffice, made once per distinct DOCX and cached on disk."""
    docx_bytes = render_docx(spec)
    target = cache_dir() / f"{hashlib.sha256(docx_bytes).hexdigest()}.doc"
    if target.exists():
        return target.read_bytes()
    # A lock per target (threads and processes alike: flock is per open file): two callers of the same
    # report convert it once; different reports convert in parallel, each with its own profile.
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            data = convert(docx_bytes, "docx", "doc:MS Word 97", "doc")
            partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            partial.write_bytes(data)
            os.replace(partial, target)
    return target.read_bytes()


def convert(data: bytes, suffix: str, filter_: str, out_suffix: str, timeout: float = DOC_TIMEOUT) -> bytes:
    """One headless LibreOffice conversion with a private profile (concurrent runs sharing a profile
    silently produce nothing, docs/readers.md §2); the whole process group is killed on timeout."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is needed: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        source = Path(tmp) / f"report.{suffix}"
        source.write_bytes(data)
        command = [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                   "--convert-to", filter_, "--outdir", f"{tmp}/out", str(source)]  # fmt: skip
        pipe = subprocess.PIPE
        process = subprocess.Popen(command, stdout=pipe, stderr=pipe, start_new_session=True)
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RuntimeError(f"LibreOffice did not finish converting within {timeout} s") from None
        produced = Path(tmp) / "out" / f"report.{out_suffix}"
        if process.returncode != 0 or not produced.exists():
            tail = err.decode(errors="replace")[-500:]
            raise RuntimeError(f"LibreOffice produced no .{out_suffix}: {tail}")
        return produced.read_bytes()
