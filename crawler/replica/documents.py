"""Render a replica report in every format a portal serves: inline HTML, DOCX, PDF and legacy DOC.

The three statutory tables are described once, as rows of cells with row and column spans laid out
like the official template (申请人情况 over 自然人 | 法人或其他组织 (5) | 总计; the group labels
（三）不予公开 … as row-spanning cells), and each format draws that same description: HTML tables with
the noise of Word-to-HTML conversion, DOCX tables with merged cells, PDF tables with ruled lines
(reportlab, built-in CID font, no font files), DOC converted from the DOCX by LibreOffice.

Every output is byte-for-byte deterministic for the same report: fixed zip entry dates and document
properties in DOCX, reportlab's invariant mode in PDF, and a content-keyed cache for DOC (LibreOffice
output is not reproducible, so a DOC is made once per DOCX and reused by every process).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import html
import io
import os
import random
import shutil
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from crawler import template as tpl
from crawler.replica.reports import ReportSpec

# ---- the tables, described once -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1


Row = tuple[Cell, ...]
Shape = tuple[int, list[Row]]  # (column count, rows)
Block = tuple[str, "str | Shape"]  # ("title"|"heading"|"para"|"sign", text) or ("table", shape)


def _v(spec: ReportSpec, key: str) -> str:
    value = spec.values[key]
    return "" if value is None else str(value)


def _t2_rows(spec: ReportSpec) -> tuple[int, list[Row]]:
    blocks = tpl.T2_GB2021_BLOCKS if spec.template == tpl.GB2021 else tpl.T2_GB2019_BLOCKS
    prefix = "t2" if spec.template == tpl.GB2021 else "t2_19"
    rows: list[Row] = []
    for block, headers, items, columns in blocks:
        rows.append((Cell(block, colspan=4),))
        # A block with fewer than three value columns stretches its last one (as the template prints it).
        spans = [1] * (len(headers) - 1) + [4 - len(headers)]
        rows.append((Cell("信息内容"), *(Cell(h, colspan=n) for h, n in zip(headers, spans, strict=True))))
        for key, label in items:
            cells = [Cell(_v(spec, f"{prefix}_{key}_{col}"), colspan=n) for col, n in zip(columns, spans, strict=True)]
            rows.append((Cell(label), *cells))
    return 4, rows


def _t3_rows(spec: ReportSpec) -> tuple[int, list[Row]]:
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


def _t4_rows(spec: ReportSpec) -> tuple[int, list[Row]]:
    header = tuple(Cell(tpl.T4_COLUMN_LABELS[c]) for c in tpl.T4_COLUMNS)
    return 15, [
        (Cell("行政复议", colspan=5, rowspan=2), Cell("行政诉讼", colspan=10)),
        (Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)),
        header * 3,
        tuple(Cell(_v(spec, key)) for key in tpl.T4_KEYS),
    ]


def tables(spec: ReportSpec) -> dict[str, tuple[int, list[Row]]]:
    """The three statutory tables: id → (column count, rows)."""
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


def _blocks(spec: ReportSpec) -> list[Block]:
    """The document in reading order: ("title"|"heading"|"para"|"table"|"sign", content)."""
    out: list[Block] = [("title", spec.title)]
    shapes = tables(spec)
    for sid, number, heading in tpl.SECTIONS:
        out.append(("heading", f"{number}{heading}"))
        for paragraph in spec.prose.get(sid, ()):
            out.append(("para", paragraph))
        if sid in shapes:
            out.append(("table", shapes[sid]))
    day = spec.signed_date
    out += [("sign", spec.publisher), ("sign", f"{day.year}年{day.month}月{day.day}日")]
    return out


# ---- HTML (inline on the detail page) -----------------------------------------------------------


def _noisy(text: str, rng: random.Random) -> str:
    """Word-to-HTML damage in prose only (portals.md §1 item 5): digits or 年 dropped in dates."""
    if rng.random() < 0.3 and "年12月31日" in text:
        return text.replace("年12月31日", "1231日", 1)
    return text


def render_html(spec: ReportSpec) -> str:
    rng = random.Random(spec.seed + 11)
    span = '<span style="font-family:仿宋_GB2312;font-size:16.0pt">'
    parts: list[str] = []
    for kind, content in _blocks(spec):
        if kind == "title":
            parts.append(f'<p class="MsoNormal" align="center" style="text-align:center"><b>{span}'
                         f"{html.escape(str(content))}</span></b><o:p></o:p></p>")  # fmt: skip
        elif kind == "heading":
            parts.append(f'<p class="MsoNormal"><b>{span}{html.escape(str(content))}</span></b><o:p></o:p></p>')
        elif kind == "para":
            text = html.escape(_noisy(str(content), rng))
            parts.append(f'<p class="MsoNormal" style="text-indent:32.0pt">{span}{text}</span><o:p></o:p></p>')
        elif kind == "sign":
            parts.append(f'<p class="MsoNormal" align="right" style="text-align:right">{span}'
                         f"{html.escape(str(content))}</span></p>")  # fmt: skip
        else:
            assert isinstance(content, tuple)
            parts.append(_html_table(content[1], rng))
    return "\n".join(parts)


def _html_table(rows: list[Row], rng: random.Random) -> str:
    out = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">']
    for row in rows:
        cells = []
        for cell in row:
            attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
                f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else ""
            )
            # Word pads some numbers with a non-breaking space (seed 004); empty cells hold &nbsp;.
            text = html.escape(cell.text) if cell.text else "&nbsp;"
            if cell.text.isdigit() and rng.random() < 0.03:
                text = "&nbsp;" + text
            cells.append(f'<td{attrs} valign="center"><p class="MsoNormal" align="center">'
                         f'<span style="font-size:10.5pt">{text}</span></p></td>')  # fmt: skip
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


# ---- DOCX -----------------------------------------------------------------------------------------


def render_docx(spec: ReportSpec) -> bytes:
    document = docx.Document()
    for kind, content in _blocks(spec):
        if isinstance(content, tuple):
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
        else:
            paragraph = document.add_paragraph(str(content))
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

_PDF_LOCK = threading.Lock()


def render_pdf(spec: ReportSpec) -> bytes:
    with _PDF_LOCK:  # reportlab's invariant flag and font registry are process-global
        rl_config.invariant = 1
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        body = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK")
        heading = ParagraphStyle("heading", parent=body, fontSize=12)
        title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, alignment=1)
        sign = ParagraphStyle("sign", parent=body, alignment=2)
        small = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7, leading=8.5, wordWrap="CJK", alignment=1)
        flow: list[Flowable] = []
        for kind, content in _blocks(spec):
            if isinstance(content, tuple):
                flow.append(_pdf_table(content[0], content[1], small))
                flow.append(Spacer(1, 4 * mm))
            else:
                style = {"title": title, "heading": heading, "sign": sign}.get(kind, body)
                flow.append(Paragraph(html.escape(str(content)), style))
        buffer = io.BytesIO()
        margins = {"leftMargin": 15 * mm, "rightMargin": 15 * mm, "topMargin": 15 * mm, "bottomMargin": 15 * mm}
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


# ---- DOC (legacy Word, through LibreOffice) -------------------------------------------------------

_DOC_LOCK = threading.Lock()


def cache_dir() -> Path:
    root = os.environ.get("NIANBAO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "nianbao")
    path = Path(root) / "replica"
    path.mkdir(parents=True, exist_ok=True)
    return path


def render_doc(spec: ReportSpec) -> bytes:
    """The DOCX converted to Word 97 by LibreOffice, made once per distinct DOCX and cached."""
    docx_bytes = render_docx(spec)
    target = cache_dir() / f"{hashlib.sha256(docx_bytes).hexdigest()}.doc"
    if target.exists():
        return target.read_bytes()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError(
            "LibreOffice (soffice) is needed to make .doc files: apt-get install libreoffice-writer-nogui"
        )
    # One conversion at a time (threads and processes): concurrent soffice runs lose output.
    with _DOC_LOCK, open(cache_dir() / ".doc.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target.read_bytes()
        with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
            source = Path(tmp) / "report.docx"
            source.write_bytes(docx_bytes)
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                 "--convert-to", "doc:MS Word 97", "--outdir", tmp, str(source)],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            produced = Path(tmp) / "report.doc"
            if not produced.exists():
                raise RuntimeError(f"LibreOffice produced no .doc for {spec.title}")
            partial = target.with_suffix(".tmp")
            partial.write_bytes(produced.read_bytes())
            os.replace(partial, target)
        return target.read_bytes()
