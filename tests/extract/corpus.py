"""A format corpus made by the real producers a street office's report passes through.

Two replica reports of known values (one gb2021, one gb2019, both correct: no rule broken) are written
with the official merged table headers (:mod:`replica.documents`) and then produced as:

* DOCX (python-docx) → PDF exported by LibreOffice and Word 97 DOC, on A4 (table 3 crosses one page
  break) and on A5 (table 3 runs over three pages and more), with and without header rows repeated on
  every page (Word's 「标题行重复」), cells aligned top, centre or bottom, so that a row whose label wraps
  is cut by the page break — its label half on one page, its values on the same or the other page;
* a DOCX whose table 4 starts with its 结果维持/结果纠正… header row (the two spanning rows omitted);
* the HTML page (rowspan/colspan, Word's "save as web page" markup) printed to PDF by Chromium
  (playwright driving /usr/bin/chromium), A4 and A5, with and without a repeated ``<thead>``;
* reportlab PDFs whose tables are wider than the page (a Word table overflowing its margins) and split
  over pages with their header rows repeated (reportlab's ``splitInRow`` is not used: it draws split
  row-spanning cells over the repeated header, a PDF no reader could read back);
* scans: a PDF rasterised by poppler (pdftoppm) at 150 or 200 dpi, rotated by a fraction of a degree,
  JPEG-compressed (Pillow) and wrapped as an image-only PDF.

Producing is slow (LibreOffice, Chromium), so every file is cached under a temporary folder, keyed by a
hash of its generator's inputs (the source bytes and the producer's parameters): a second session reuses
them, and a change in the inputs makes new files. ``NIANBAO_TEST_CORPUS`` moves the cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from replica import documents
from replica.reports import ReportSpec, make_report
from tests.extract.render import libreoffice_convert

GENERATOR = "corpus-1"  # part of every cache key: bump when a producer below changes its output


def cache_dir() -> Path:
    root = os.environ.get("NIANBAO_TEST_CORPUS") or os.path.join(tempfile.gettempdir(), "nianbao-test-corpus")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached(parts: tuple[object, ...], make: Callable[[], bytes], suffix: str) -> bytes:
    """``make()``'s bytes, made once per distinct ``parts`` (bytes are hashed as they are)."""
    digest = hashlib.sha256(GENERATOR.encode())
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\0")
    path = cache_dir() / f"{digest.hexdigest()[:32]}.{suffix}"
    if path.exists():
        return path.read_bytes()
    data = make()
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, path)
    return data


# ---- the two reports ------------------------------------------------------------------------------


def specs() -> dict[str, ReportSpec]:
    """gb2021 (2023, 武昌区) and gb2019 (2020, 硚口区), each with non-zero counts in all three tables."""
    return {
        "gb2021": make_report(
            seed=1,
            street="杨园街道",
            district="武昌区",
            publisher="武汉市武昌区人民政府杨园街道办事处",
            year=2023,
            signed_date=dt.date(2024, 1, 15),
        ),
        "gb2019": make_report(
            seed=10,
            street="汉水桥街道",
            district="硚口区",
            publisher="武汉市硚口区人民政府汉水桥街道办事处",
            year=2020,
            signed_date=dt.date(2021, 1, 12),
        ),
    }


@dataclass(frozen=True)
class Sample:
    name: str  # file name, its suffix the format
    producer: str  # what made it
    template: str  # which spec of :func:`specs`
    data: bytes
    t4_headerless: bool = False  # table 4 without its 行政复议/行政诉讼 rows


# ---- DOCX variants --------------------------------------------------------------------------------


def docx_variant(spec: ReportSpec, *, a5: bool, repeat_header: bool, valign: str, t4_groups: bool = True) -> bytes:
    """The replica's DOCX with a page size, repeated header rows and cell alignment of the author's choice."""
    document = docx.Document(io.BytesIO(documents.render_docx(spec)))
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    if a5:
        section.page_width, section.page_height = Mm(148), Mm(210)
        section.left_margin = section.right_margin = Mm(15)
        section.top_margin = section.bottom_margin = Mm(15)
    body = document.element.body
    tables = body.findall(qn("w:tbl"))
    if a5:  # the author fits the tables to the narrower page, as Word's 「根据窗口自动调整表格」 does
        text_width = Mm(148 - 30)
        for table in tables:
            widths = [int(col.get(qn("w:w"))) for col in table.iter(qn("w:gridCol"))]
            factor = text_width / 635 / sum(widths)  # EMU → twips
            for node in (*table.iter(qn("w:gridCol")), *table.iter(qn("w:tcW"))):
                if node.get(qn("w:w")) is not None:
                    node.set(qn("w:w"), str(int(int(node.get(qn("w:w"))) * factor)))
    for index, table in enumerate(tables):
        rows = table.findall(qn("w:tr"))
        header_rows = {0: 4, 1: 3, 2: 3}.get(index, 0)  # t2's first block, t3's and t4's spanning headers
        if not t4_groups and index == 2:
            for row in rows[:2]:
                table.remove(row)
            rows = rows[2:]
            header_rows = 1
            # the kept header row's cells were vMerge continuations of the removed row: make them starts
            for merge in rows[0].iter(qn("w:vMerge")):
                merge.getparent().remove(merge)
            _fill_headers(rows[0])
        for n, row in enumerate(rows):
            props = row.find(qn("w:trPr"))
            if props is None:
                props = OxmlElement("w:trPr")
                row.insert(0, props)
            if repeat_header and n < header_rows:
                props.append(OxmlElement("w:tblHeader"))
            if valign != "top":
                for cell in row.iter(qn("w:tc")):
                    cell_props = cell.find(qn("w:tcPr"))
                    if cell_props is None:
                        cell_props = OxmlElement("w:tcPr")
                        cell.insert(0, cell_props)
                    align = OxmlElement("w:vAlign")
                    align.set(qn("w:val"), valign)
                    cell_props.append(align)
    buffer = io.BytesIO()
    document.save(buffer)
    return documents._normalise_zip(buffer.getvalue())  # fixed zip dates: the same bytes, a cache hit


def _fill_headers(row: object) -> None:
    """Give the five 行政复议 header cells (vMerge continuations of the removed row) their labels."""
    labels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    cells = list(row.iter(qn("w:tc")))  # type: ignore[attr-defined]
    for n, cell in enumerate(cells[:5]):
        texts = list(cell.iter(qn("w:t")))
        if texts:
            continue
        paragraph = cell.find(qn("w:p"))
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = labels[n]
        run.append(text)
        paragraph.append(run)


# ---- HTML → Chromium -----------------------------------------------------------------------------


def html_page(spec: ReportSpec, *, thead: bool) -> str:
    body = documents.render_html(spec)
    if thead:
        body = _theads(body)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(spec.title)}</title>"
        "<style>body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif} td{vertical-align:middle}</style>"
        f'</head><body><div class="TRS_Editor">{body}</div></body></html>'
    )


def _theads(body: str) -> str:
    """Put each table's header rows (t3: three, t4: three) in a ``<thead>``, which Chromium repeats on
    every page the table runs over."""
    out = []
    for n, part in enumerate(body.split("<table")):
        if n == 0:
            out.append(part)
            continue
        head, _sep, rest = part.partition(">")
        rows = rest.split("</tr>")
        count = 3 if ("勾稽关系" in rest or "复议后起诉" in rest) else 0
        if count:
            rest = "<thead>" + "</tr>".join(rows[:count]) + "</tr></thead><tbody>" + "</tr>".join(rows[count:])
            rest = rest.replace("</table>", "</tbody></table>", 1)
        out.append(head + ">" + rest)
    return "<table".join(out)


def chromium_pdf(pages: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    """name → (HTML, paper format) printed by one Chromium."""
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
        try:
            page = browser.new_page()
            for name, (text, paper) in pages.items():
                page.set_content(text, wait_until="load")
                out[name] = page.pdf(
                    format=paper, margin={"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"}
                )
        finally:
            browser.close()
    return out


# ---- reportlab: tables wider than the page -------------------------------------------------------


def reportlab_wide(spec: ReportSpec, split: int = 0) -> bytes:
    """The report with every table wider than the page (212 mm on A4, centred): its rules run past both
    page edges, as a Word table overflowing its margins does. Tables split over pages with their header rows
    repeated."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    with documents._PDF_LOCK:
        from reportlab import rl_config

        rl_config.invariant = 1
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        body = ParagraphStyle("wbody", fontName="STSong-Light", fontSize=11, leading=17, wordWrap="CJK")
        cell = ParagraphStyle("wcell", parent=body, fontSize=9, leading=11, alignment=1)
        flow: list[Flowable] = []
        for _kind, content in documents.blocks(spec):
            if isinstance(content, str):
                flow.append(Paragraph(html.escape(content), body))
                continue
            width, rows = content
            placed = documents.grid(width, rows)
            height = max(r + c.rowspan for r, _c, c in placed)
            data: list[list[object]] = [["" for _ in range(width)] for _ in range(height)]
            commands: list[tuple[object, ...]] = [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
            for r, c, item in placed:
                data[r][c] = Paragraph(html.escape(item.text), cell) if item.text else ""
                if item.rowspan > 1 or item.colspan > 1:
                    commands.append(("SPAN", (c, r), (c + item.colspan - 1, r + item.rowspan - 1)))
            total = 212 * mm  # centred on the text column: 1 mm past both page edges
            if width == 10:
                widths = [16 * mm, 22 * mm, 60 * mm] + [(total - 98 * mm) / 7] * 7
                repeat = 3
            elif width == 4:
                widths = [60 * mm] + [(total - 60 * mm) / 3] * 3
                repeat = 0
            else:
                widths = [total / width] * width
                repeat = 3
            flow.append(Spacer(1, 2 * mm))
            flow.append(Table(data, colWidths=widths, style=TableStyle(commands), repeatRows=repeat, splitInRow=split))
            flow.append(Spacer(1, 3 * mm))
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm
        )
        doc.build(flow)
        return buffer.getvalue()


# ---- scans ---------------------------------------------------------------------------------------


def scan(pdf: bytes, *, dpi: int, angle: float, quality: int) -> bytes:
    """``pdf`` as a scanner gives it back: greyscale pages rasterised by poppler, the sheet a little
    askew, JPEG-compressed, one image per PDF page (no text layer)."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="nianbao-scan-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), f"{tmp}/page"], check=True, timeout=120
        )
        pages = []
        for path in sorted(Path(tmp).glob("page*.png")):
            with Image.open(path) as image:
                turned = image.convert("L").rotate(
                    angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255
                )
            jpeg = io.BytesIO()
            turned.save(jpeg, "JPEG", quality=quality)
            pages.append(Image.open(io.BytesIO(jpeg.getvalue())))
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    return out.getvalue()


# ---- the corpus ----------------------------------------------------------------------------------

_DOCX_VARIANTS = {
    # name: (template, a5, repeated header, vertical alignment in cells, t4 with its group rows)
    "lo-gb2021-a4": ("gb2021", False, False, "top", True),
    "lo-gb2021-a5-header": ("gb2021", True, True, "center", True),
    "lo-gb2019-a5": ("gb2019", True, False, "bottom", True),
    "lo-gb2019-a4-header": ("gb2019", False, True, "center", True),
    "docx-gb2021-t4-headerless": ("gb2021", False, False, "top", False),
}


def text_samples() -> list[Sample]:
    """Every sample with a text layer (no OCR): DOCX, DOC, LibreOffice, Chromium and reportlab PDFs."""
    reports = specs()
    sources = {
        name: (template, docx_variant(reports[template], a5=a5, repeat_header=rep, valign=va, t4_groups=groups))
        for name, (template, a5, rep, va, groups) in _DOCX_VARIANTS.items()
    }
    out: list[Sample] = []
    for name, (template, data) in sources.items():
        headerless = name.endswith("t4-headerless")
        out.append(Sample(f"{name}.docx", "python-docx", template, data, headerless))
    wanted = [(name, target) for name in sources for target in ("pdf", "doc")]
    converted = _libreoffice_cached({name: data for name, (_t, data) in sources.items()}, wanted)
    for (name, target), data in converted.items():
        template = sources[name][0]
        producer = "libreoffice-pdf" if target == "pdf" else "libreoffice-doc"
        out.append(Sample(f"{name}.{target}", producer, template, data, name.endswith("t4-headerless")))
    pages = {
        "chromium-gb2021-a5-thead": (html_page(reports["gb2021"], thead=True), "A5"),
        "chromium-gb2019-a4": (html_page(reports["gb2019"], thead=False), "A4"),
        "chromium-gb2019-a5": (html_page(reports["gb2019"], thead=False), "A5"),
    }
    printed = _chromium_cached(pages)
    for name, data in printed.items():
        out.append(Sample(f"{name}.pdf", "chromium-pdf", name.split("-")[1], data))
        out.append(Sample(f"{name}.html", "html", name.split("-")[1], pages[name][0].encode()))
    for template in ("gb2021", "gb2019"):
        out.append(Sample(f"reportlab-wide-{template}.pdf", "reportlab", template, reportlab_wide(reports[template])))
    return out


def scan_samples(text: list[Sample]) -> list[Sample]:
    """Scans of two of the PDFs: LibreOffice A4 at 150 dpi, Chromium A4 at 200 dpi."""
    by_name = {s.name: s for s in text}
    plan = (
        ("lo-gb2021-a4.pdf", 150, 0.4, 60),
        ("chromium-gb2019-a4.pdf", 200, -0.3, 75),
    )
    out = []
    for name, dpi, angle, quality in plan:
        source = by_name[name]

        def make(pdf: bytes = source.data, dpi: int = dpi, angle: float = angle, quality: int = quality) -> bytes:
            return scan(pdf, dpi=dpi, angle=angle, quality=quality)

        data = cached(("scan", source.data, dpi, angle, quality), make, "pdf")
        out.append(Sample(f"scan{dpi}-{name}", f"scan-{dpi}dpi", source.template, data))
    return out


def _libreoffice_cached(sources: dict[str, bytes], wanted: list[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """LibreOffice conversions, the missing ones made in one run per target format."""
    out: dict[tuple[str, str], bytes] = {}
    missing: dict[str, dict[str, bytes]] = {}
    paths = {}
    for name, target in wanted:
        key = hashlib.sha256(GENERATOR.encode() + b"lo" + target.encode() + sources[name]).hexdigest()[:32]
        path = cache_dir() / f"{key}.{target}"
        paths[(name, target)] = path
        if path.exists():
            out[(name, target)] = path.read_bytes()
        else:
            missing.setdefault(target, {})[f"{name}.docx"] = sources[name]
    filters = {"pdf": "pdf", "doc": "doc:MS Word 97"}
    for target, files in missing.items():
        for file_name, data in libreoffice_convert(files, filters[target]).items():
            name = file_name.removesuffix(".docx")
            _write(paths[(name, target)], data)
            out[(name, target)] = data
    return {key: out[key] for key in wanted}


def _chromium_cached(pages: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    out = {}
    missing = {}
    paths = {}
    for name, (text, paper) in pages.items():
        key = hashlib.sha256(f"{GENERATOR}chromium{paper}{text}".encode()).hexdigest()[:32]
        paths[name] = cache_dir() / f"{key}.pdf"
        if paths[name].exists():
            out[name] = paths[name].read_bytes()
        else:
            missing[name] = (text, paper)
    if missing:
        for name, data in chromium_pdf(missing).items():
            _write(paths[name], data)
            out[name] = data
    return {name: out[name] for name in pages}


def _write(path: Path, data: bytes) -> None:
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, path)
