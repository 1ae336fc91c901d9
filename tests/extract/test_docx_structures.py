"""WordprocessingML structures the DOCX reader must read as Word shows them.

Tracked changes, text boxes (written twice, as a DrawingML Choice and a VML Fallback), content controls,
custom XML, smart tags, fields, hyperlinks: each is built here from a few lines of document.xml, and the
statutory-table ones also in a rendered seed report read through the whole pipeline, so that the cell
values and the title are asserted, not only the text.
"""

from __future__ import annotations

import copy
import io
import time
import zipfile
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from lxml import etree

from crawler.extract import DEFAULT_LIMITS, Record, extract
from crawler.extract.formats.docx import read_docx, table_rows
from tests.extract.conftest import seed_text
from tests.extract.render import render_docx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docx"
SEED = "004_38957af2b50007e7"  # 汉水桥街道 2022: t3 new/natural 3, new/total 3, granted/natural 0
TITLE = "硚口区汉水桥街道2022年度政府信息公开工作年度报告"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = (
    f'xmlns:w="{W_NS}"'
    ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
    ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
    ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    ' xmlns:v="urn:schemas-microsoft-com:vml"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
CHANGE = 'w:author="a" w:date="2023-01-03T00:00:00Z"'


def _docx(body: str) -> bytes:
    """The smallest package python-docx opens: content types, the package relationship, document.xml.
    Stored, not deflated: the hostile test's repetitive XML would trip the zip-bomb ratio check."""
    document = f'<?xml version="1.0" encoding="UTF-8"?><w:document {NAMESPACES}><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def _read(body: str) -> list[str]:
    return read_docx(_docx(body), DEFAULT_LIMITS).split("\n")


def _run(text: str) -> str:
    return f"<w:r><w:t>{text}</w:t></w:r>"


def _p(*runs: str) -> str:
    return f"<w:p>{''.join(runs)}</w:p>"


def _tc(*content: str) -> str:
    return f"<w:tc>{''.join(content)}</w:tc>"


def _tbl(*rows: str) -> str:
    return f"<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{''.join(rows)}</w:tbl>"


def _tr(*cells: str) -> str:
    return f"<w:tr>{''.join(cells)}</w:tr>"


def _text_box(text: str) -> str:
    """A run holding a text box as Word writes it: a wps shape, and the same box in VML for older readers."""
    content = f"<w:txbxContent>{_p(_run(text))}</w:txbxContent>"
    return (
        "<w:r><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wp:inline><wp:extent cx="2000000" cy="300000"/>'
        '<wp:docPr id="1" name="Text Box 1"/><a:graphic>'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f'<wps:wsp><wps:cNvSpPr txBox="1"/><wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice>"
        f'<mc:Fallback><w:pict><v:shape style="width:157pt;height:24pt"><v:textbox>{content}</v:textbox>'
        "</v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )


def _sdt(content: str) -> str:
    return f'<w:sdt><w:sdtPr><w:id w:val="7"/></w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>'


# ---- tracked changes -------------------------------------------------------------------------------


def test_tracked_moved_away_and_deleted_text_is_not_read_inserted_and_moved_to_is() -> None:
    # Moved-away text stays in w:moveFrom as ordinary w:t (ECMA-376 §17.13.5.22), unlike w:delText.
    moved = _p(f'<w:moveFrom w:id="1" {CHANGE}>{_run("9")}</w:moveFrom>', _run("12"))
    replaced = _p(
        f'<w:del w:id="2" {CHANGE}><w:r><w:delText>25</w:delText></w:r></w:del>',
        f'<w:ins w:id="3" {CHANGE}>{_run("30")}</w:ins>',
    )
    arrived = _p(f'<w:moveTo w:id="4" {CHANGE}>{_run("7")}</w:moveTo>')
    lines = _read(
        _tbl(_tr(_tc(_p(_run("予以公开"))), _tc(moved)), _tr(_tc(_p(_run("本年新收"))), _tc(replaced, arrived)))
    )
    assert lines == ["予以公开\t12", "本年新收\t30 7"]


def test_tracked_deleted_row_is_gone() -> None:
    deleted = (
        f'<w:tr><w:trPr><w:del w:id="5" {CHANGE}/></w:trPr>{_tc(_p(_run("部分公开")))}{_tc(_p(_run("57")))}</w:tr>'
    )
    table = _tbl(
        _tr(_tc(_p(_run("予以公开"))), _tc(_p(_run("12")))), deleted, _tr(_tc(_p(_run("部分公开"))), _tc(_p(_run("7"))))
    )
    assert _read(table) == ["予以公开\t12", "部分公开\t7"]


def test_hidden_run_is_not_read() -> None:
    hidden = "<w:r><w:rPr><w:vanish/></w:rPr><w:t>9</w:t></w:r>"
    shown = '<w:r><w:rPr><w:vanish w:val="false"/></w:rPr><w:t>1</w:t></w:r>'
    assert _read(_tbl(_tr(_tc(_p(_run("本年新收"))), _tc(_p(hidden, shown, _run("2")))))) == ["本年新收\t12"]


def _styled_docx() -> bytes:
    """A document as python-docx writes it (Word's default template): a character style 草稿 and a
    paragraph style 批注 that hide their text (w:vanish in the style), a style based on 草稿, and a
    character style 显示 based on 草稿 that shows its text again."""
    document = docx.Document()
    draft = document.styles.add_style("草稿", WD_STYLE_TYPE.CHARACTER)
    draft.font.hidden = True
    document.styles.add_style("草稿二", WD_STYLE_TYPE.CHARACTER).base_style = draft
    shown = document.styles.add_style("显示", WD_STYLE_TYPE.CHARACTER)
    shown.base_style, shown.font.hidden = draft, False
    document.styles.add_style("批注", WD_STYLE_TYPE.PARAGRAPH).font.hidden = True
    document.add_paragraph("标题")
    document.add_paragraph("内部批注：数字待核", style="批注")
    table = document.add_table(rows=2, cols=2)
    cells = [cell.paragraphs[0] for row in table.rows for cell in row.cells]
    cells[0].add_run("本年新收")
    cells[1].add_run("9", style="草稿")
    cells[1].add_run("12")
    cells[2].add_run("予以公开")
    cells[3].add_run("5", style="草稿二")
    cells[3].add_run("3", style="显示")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_text_hidden_by_its_style_is_not_read() -> None:
    assert read_docx(_styled_docx(), DEFAULT_LIMITS).split("\n") == ["标题", "本年新收\t12", "予以公开\t3"]


# ---- text boxes ------------------------------------------------------------------------------------


def test_text_box_in_a_cell_is_read_once() -> None:
    assert _read(_tbl(_tr(_tc(_p(_run("本年新收"))), _tc(_p(_text_box("30")))))) == ["本年新收\t30"]


def test_text_box_paragraph_is_read_once_where_it_is_anchored() -> None:
    assert _read(_p(_run("前"), _text_box("框"), _run("后"))) == ["前 框后"]
    assert _read(_p(_text_box(TITLE))) == [TITLE]


def test_alternate_content_without_choice_reads_the_fallback() -> None:
    fallback = f"<w:r><mc:AlternateContent><mc:Fallback>{_run('30')}</mc:Fallback></mc:AlternateContent></w:r>"
    assert _read(_p(fallback)) == ["30"]


def test_libreoffice_written_text_boxes_and_tracked_change() -> None:
    """A DOCX as LibreOffice 7.4 writes it when it converts a .doc (the reader's route for DOC and WPS):
    made from a hand-written DOCX (a title in a text box, a value 30 in a text box inside a cell, a
    tracked 9 → 12) converted to .doc and back to .docx by soffice --convert-to."""
    text = read_docx((FIXTURES / "libreoffice_textbox_tracked.docx").read_bytes(), DEFAULT_LIMITS)
    assert text.split("\n") == [
        "测试街道2023年政府信息公开工作年度报告",
        "项目\t数量",
        "本年新收\t30",
        "予以公开\t12",
        "结束",
    ]


# ---- content controls, custom XML, smart tags --------------------------------------------------------


def test_table_in_body_content_controls_is_read_in_order() -> None:
    table = _tbl(_tr(_tc(_p(_run("本年新收"))), _tc(_p(_run("3")))))
    nested = f'<w:customXml w:element="report">{_sdt(_sdt(table))}</w:customXml>'
    assert _read(_p(_run("前")) + nested + _p(_run("后"))) == ["前", "本年新收\t3", "后"]


def test_content_controls_around_rows_cells_and_cell_paragraphs() -> None:
    row_in_sdt = _sdt(_tr(_tc(_p(_run("予以公开"))), _tc(_p(_run("12")))))
    cell_in_sdt = _tr(_tc(_p(_run("本年新收"))), _sdt(_tc(_sdt(_p(_run("3"))))))
    cell_in_custom = _tr(_tc(_p(_run("部分公开"))), f'<w:customXml w:element="v">{_tc(_p(_run("7")))}</w:customXml>')
    assert _read(_tbl(cell_in_sdt, row_in_sdt, cell_in_custom)) == ["本年新收\t3", "予以公开\t12", "部分公开\t7"]


def test_runs_in_smart_tags_custom_xml_hyperlinks_and_run_content_controls_are_read() -> None:
    paragraph = _p(
        f'<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="place">{_run("汉水")}</w:smartTag>',
        _run("桥"),
        f'<w:customXml w:element="org">{_run("街道")}</w:customXml>',
        f'<w:hyperlink r:id="rId9">{_run("2022")}</w:hyperlink>',
        _sdt(_run("年度")),
    )
    assert _read(paragraph) == ["汉水桥街道2022年度"]


def _placeholder(prompt: str) -> str:
    """An empty content control as Word writes it: its prompt shown in the PlaceholderText style."""
    return (
        '<w:sdt><w:sdtPr><w:id w:val="8"/><w:placeholder><w:docPart w:val="DefaultPlaceholder_1081868574"/>'
        "</w:placeholder><w:showingPlcHdr/></w:sdtPr><w:sdtContent>"
        f'<w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr><w:t>{prompt}</w:t></w:r>'
        "</w:sdtContent></w:sdt>"
    )


def test_an_empty_content_controls_prompt_is_not_read() -> None:
    prompt = "单击或点击此处输入文字。"
    table = _tbl(
        _tr(_tc(_p(_run("本年新收"))), _tc(_p(_placeholder(prompt)))),
        _tr(_tc(_p(_run("予以公开"))), _tc(_p(_sdt(_run("3"))))),
    )
    block = f"<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>{_p(_run(prompt))}</w:sdtContent></w:sdt>"
    assert _read(table + block + _p(_run("后"))) == ["本年新收\t", "予以公开\t3", "后"]


# ---- fields, tabs, breaks ----------------------------------------------------------------------------


def _field(instruction: str, result: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{instruction}</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{result}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def test_field_results_are_read_and_instructions_are_not() -> None:
    simple = f'<w:fldSimple w:instr=" =1+2 ">{_run("3")}</w:fldSimple>'
    assert _read(_p(_run("合计"), _field(" =1+2 ", _run("3")), _run("件"))) == ["合计3件"]
    assert _read(_p(simple)) == ["3"]
    # { IF { MERGEFIELD n } = 1 … }: the nested field's result is part of the outer field's instruction.
    nested = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> IF </w:instrText></w:r>'
        + _field(" MERGEFIELD n ", _run("1"))
        + '<w:r><w:instrText xml:space="preserve"> = 1 "12" "0" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + _run("12") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    assert _read(_tbl(_tr(_tc(_p(_run("予以公开"))), _tc(_p(nested))))) == ["予以公开\t12"]


def test_tab_and_break_are_spaces_and_tab_stops_are_not() -> None:
    tab_stops = '<w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/><w:tab w:val="left" w:pos="840"/></w:tabs></w:pPr>'
    runs = "<w:r><w:t>一</w:t><w:tab/><w:t>二</w:t><w:br/><w:t>三</w:t><w:cr/><w:t>四</w:t></w:r>"
    assert _read(_p(runs)) == ["一 二 三 四"]
    cell = _tc(_p(_run("其他")), f"<w:p>{tab_stops}{_run('情形')}</w:p>")
    rows = table_rows(etree.fromstring(f"<w:tbl {NAMESPACES}>{_tr(cell)}</w:tbl>"))
    assert rows == [["其他 情形"]]


# ---- hostile nesting ---------------------------------------------------------------------------------


def test_deep_content_controls_and_many_open_fields_stay_cheap() -> None:
    table = _tbl(_tr(_tc(_p(_run("本年新收"))), _tc(_p(_run("3")))))
    deep = table
    for _ in range(100):  # within libxml2's default depth limit, which python-docx's parser keeps
        deep = _sdt(deep)
    opened = '<w:r><w:fldChar w:fldCharType="begin"/><w:t>x</w:t></w:r>' * 20_000
    started = time.monotonic()
    assert _read(deep + _p(_run("后"), opened)) == ["本年新收\t3", "后"]
    assert time.monotonic() - started < 10


def test_a_long_chain_of_based_on_styles_and_a_cycle_are_resolved() -> None:
    # 20 000 character styles, each based on the one before, the first hiding its text; and a cycle.
    document = docx.Document()
    styles = document.styles.element
    chain = [f'<w:style {NAMESPACES} w:type="character" w:styleId="s0"><w:rPr><w:vanish/></w:rPr></w:style>']
    chain += [
        f'<w:style {NAMESPACES} w:type="character" w:styleId="s{i}"><w:basedOn w:val="s{i - 1}"/></w:style>'
        for i in range(1, 20_000)
    ]
    chain += [
        f'<w:style {NAMESPACES} w:type="character" w:styleId="a"><w:basedOn w:val="b"/></w:style>',
        f'<w:style {NAMESPACES} w:type="character" w:styleId="b"><w:basedOn w:val="a"/></w:style>',
    ]
    for style in chain:
        styles.append(parse_xml(style))
    paragraph = document.add_paragraph()
    paragraph.add_run("9").element.get_or_add_rPr().append(parse_xml(f'<w:rStyle {NAMESPACES} w:val="s19999"/>'))
    paragraph.add_run("1").element.get_or_add_rPr().append(parse_xml(f'<w:rStyle {NAMESPACES} w:val="a"/>'))
    paragraph.add_run("2")
    buffer = io.BytesIO()
    document.save(buffer)
    assert read_docx(buffer.getvalue(), DEFAULT_LIMITS) == "12"


# ---- the whole pipeline on a rendered report ---------------------------------------------------------


def _report(change: object) -> Record:
    """The seed report rendered as DOCX, changed by ``change(document, t3_table)``, then extracted."""
    document = docx.Document(io.BytesIO(render_docx(seed_text(SEED))))
    t3 = next(t for t in document.tables if any("本年新收" in c.text for c in t._cells))
    change(document, t3)  # type: ignore[operator]
    buffer = io.BytesIO()
    document.save(buffer)
    return extract(buffer.getvalue(), filename="report.docx")


def _value_cell(table: docx.table.Table, label: str) -> docx.table._Cell:
    """The natural-person cell of the t3 row labelled ``label``: the cell after the label."""
    row = next(r for r in table.rows if any(label in c.text for c in r.cells))
    return row.cells[max(n for n, c in enumerate(row.cells) if label in c.text) + 1]


def _replace_runs(paragraph: etree._Element, *fragments: str) -> None:
    """Put run-level ``fragments`` (XML without namespace declarations) in place of the paragraph's runs."""
    for run in paragraph.findall(qn("w:r")):
        paragraph.remove(run)
    for run in parse_xml(f"<w:p {NAMESPACES}>{''.join(fragments)}</w:p>"):
        paragraph.append(run)


def test_report_baseline() -> None:
    record = _report(lambda document, t3: None)
    assert record.title == TITLE
    assert (record.cells["t3_new_natural"].value, record.cells["t3_granted_natural"].value) == (3, 0)


def test_report_moved_and_replaced_values() -> None:
    def change(document: docx.document.Document, t3: docx.table.Table) -> None:
        moved = f'<w:moveFrom w:id="1" {CHANGE}>{_run("9")}</w:moveFrom>'
        _replace_runs(_value_cell(t3, "予以公开").paragraphs[0]._p, moved, _run("0"))
        deleted = f'<w:del w:id="2" {CHANGE}><w:r><w:delText>8</w:delText></w:r></w:del>'
        _replace_runs(
            _value_cell(t3, "本年新收").paragraphs[0]._p, deleted, f'<w:ins w:id="3" {CHANGE}>{_run("3")}</w:ins>'
        )

    record = _report(change)
    assert record.cells["t3_granted_natural"].value == 0
    assert record.cells["t3_new_natural"].value == 3


def test_report_value_in_a_text_box_cell_and_title_in_a_text_box() -> None:
    def change(document: docx.document.Document, t3: docx.table.Table) -> None:
        _replace_runs(_value_cell(t3, "本年新收").paragraphs[0]._p, _text_box("3"))
        _replace_runs(next(p for p in document.paragraphs if p.text == TITLE)._p, _text_box(TITLE))

    record = _report(change)
    assert record.cells["t3_new_natural"].value == 3
    assert record.title == TITLE


def test_report_t3_in_a_content_control_is_read() -> None:
    def change(document: docx.document.Document, t3: docx.table.Table) -> None:
        sdt = parse_xml(f'<w:sdt {NAMESPACES}><w:sdtPr><w:id w:val="123"/></w:sdtPr><w:sdtContent/></w:sdt>')
        t3._tbl.addprevious(sdt)
        sdt[1].append(t3._tbl)

    record = _report(change)
    assert record.tables_present["t3"] is True
    assert record.cells["t3_new_natural"].value == 3
    assert record.cells["t3_new_total"].value == 3
    assert not [f for f in record.findings if f.rule == "V01"]


def test_report_t3_rows_in_content_controls_are_read() -> None:
    def change(document: docx.document.Document, t3: docx.table.Table) -> None:
        for tr in list(t3._tbl.findall(qn("w:tr"))):
            sdt = parse_xml(f"<w:sdt {NAMESPACES}><w:sdtContent/></w:sdt>")
            tr.addprevious(sdt)
            sdt[0].append(copy.deepcopy(tr))
            t3._tbl.remove(tr)

    record = _report(change)
    assert record.tables_present["t3"] is True
    assert (record.cells["t3_new_natural"].value, record.cells["t3_new_total"].value) == (3, 3)
