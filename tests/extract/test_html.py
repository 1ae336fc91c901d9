"""HTML pages: merged cells read from the DOM, GBK pages, the TRS body; and the replica's documents
(Word-style HTML, DOCX with merged cells, ruled PDF) read back to the values they were made from."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from crawler import template as tpl
from crawler.extract import extract
from crawler.extract.formats.grid import Span, layout
from tests.extract.conftest import seed_text
from tests.extract.render import seed_blocks

RULES_BY_CONSTRUCTION = {
    "V03",
    "V04",
    "V05",
    "V12",
    "V20",
    "V21",
    "V22",
    "V23",
    "V24",
    "V25",
    "V26",
    "V30",
    "V31",
}


def _td(text: object, rowspan: int = 1, colspan: int = 1) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<td{attrs}><p><span>{html.escape(str(text))}</span></p></td>"


def _official_t3(values: dict[str, int]) -> str:
    """Table 3 in the official merged layout: 三、本年度办理结果 spans rows (一)…(七), each group label
    （三）…（六） spans its items, (一)(二)(七) span two label columns, 申请人情况 spans the seven columns."""
    rows = [
        _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3) + _td("申请人情况", 1, 7),
        _td("自然人", 2) + _td("法人或其他组织", 1, 5) + _td("总计", 2),
        "".join(_td(tpl.T3_COLUMN_LABELS[c]) for c in tpl.T3_COLUMNS[1:6]),
    ]
    version_rows = [r for r in tpl.T3_ROWS if tpl.GB2021 in r[3]]
    result_rows = [r for r in version_rows if r[1] is not None]
    groups: dict[str, int] = {}
    for _key, group, _label, _v in version_rows:
        if group and group != "三、本年度办理结果":
            groups[group] = groups.get(group, 0) + 1
    opened: set[str] = set()
    for key, group, label, _versions in version_rows:
        cells = ""
        if group is None:
            cells += _td(label, 1, 3)
        else:
            if key == result_rows[0][0]:
                cells += _td("三、本年度办理结果", len(result_rows))
            if group == "三、本年度办理结果":
                cells += _td(label, 1, 2)
            else:
                if group not in opened:
                    cells += _td(group, groups[group])
                    opened.add(group)
                cells += _td(label)
        cells += "".join(_td(values[f"t3_{key}_{col}"]) for col in tpl.T3_COLUMNS)
        rows.append(cells)
    return "<table border=1>" + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>"


def test_layout_places_merged_text_top_left() -> None:
    grid = layout(
        [
            [Span("a", rowspan=2), Span("b", colspan=2)],
            [Span("c"), Span("d")],
            [Span("e", colspan=99999999), Span("f", rowspan=99999999)],
        ]
    )
    assert grid[0][:3] == ["a", "b", ""]
    assert grid[1][:3] == ["", "c", "d"]
    assert grid[2][0] == "e" and len(grid) == 3  # hostile spans are clamped


def test_html_rowspan_colspan_table() -> None:
    keys = tpl.t3_keys(tpl.GB2021)
    values = {key: 100 + n for n, key in enumerate(keys)}  # every cell distinct: a shift would show
    page = (
        "<html><body><div class='TRS_Editor'>"
        "<p>测试街道2021年政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p>"
        f"{_official_t3(values)}<p>四、政府信息公开行政复议、行政诉讼情况</p></div></body></html>"
    )
    record = extract(page.encode(), filename="page.html")
    assert record.template_version == "gb2021"  # from 逾期未按收费通知要求缴纳费用
    assert record.t3_header_has_total is True and record.t3_alignment == "gapped"
    assert {key: record.value(key) for key in keys} == values
    assert not [f for f in record.findings if f.rule in ("P02", "P04", "P05")]


def _seed_html(doc_id: str, charset: str) -> str:
    parts = [
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">',
        "<title>汉水桥街道2022年度政府信息公开工作年度报告_硚口区人民政府</title></head><body>",
        '<div class="header">首页 &gt; 政务公开</div><div class="trs_editor_view TRS_UEDITOR">',
    ]
    for block in seed_blocks(seed_text(doc_id)):
        if isinstance(block, str):
            parts.append(f"<p>{html.escape(block)}</p>")
        else:
            parts.append(
                "<table>" + "".join("<tr>" + "".join(_td(cell) for cell in row) + "</tr>" for row in block) + "</table>"
            )
    parts.append('</div><div class="footer">版权所有 2026</div></body></html>')
    return "\n".join(parts)


def test_gbk_html_page() -> None:
    """A GB2312-declared page whose text has a GBK-only character (硚 is not in GB2312)."""
    from tests.extract.expected import METADATA, VALUES

    doc_id = "004_38957af2b50007e7"
    data = _seed_html(doc_id, "gb2312").encode("gbk", errors="xmlcharrefreplace")  # NBSP as &#160;
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    record = extract(data, filename="t20230110_123.html", content_type="text/html")
    assert {key: cell.value for key, cell in record.cells.items()} == VALUES[doc_id]
    for key in ("title", "district", "street", "publisher", "signed_date", "prose_new_applications"):
        assert getattr(record, key) == METADATA[doc_id][key], key
    assert "版权所有" not in record.text and "首页" not in record.text  # only the TRS body


def test_trs_body_without_title_gets_the_page_title() -> None:
    page = (
        "<html><head><title>某某街道2023年政府信息公开工作年度报告-江汉区人民政府</title></head><body>"
        "<h1>某某街道2023年政府信息公开工作年度报告</h1><div class='TRS_Editor'><p>一、总体情况</p>"
        "<p>2023年，某某街道认真贯彻落实条例。</p></div></body></html>"
    )
    record = extract(page.encode("utf-8"), url="https://www.jianghan.gov.cn/x/202401/t20240126_1.shtml")
    assert record.title == "某某街道2023年政府信息公开工作年度报告"
    assert (record.report_year, record.street, record.url_date) == (2023, "某某街道", dt.date(2024, 1, 26))
    assert record.publish_date == dt.date(2024, 1, 26) and record.deadline_status == "on_time"


@pytest.mark.parametrize(
    ("year", "broken"),
    [
        (2021, ()),
        (2020, ()),
        (2022, ("V04", "V20", "V23", "V26")),
        (2019, ("V21", "V30", "V05")),
        (2023, ("V22", "V31")),
    ],
)
@pytest.mark.parametrize("kind", ["html", "docx", "pdf"])
def test_replica_documents_read_back(kind: str, year: int, broken: tuple[str, ...]) -> None:
    """The replica prints the official merged-cell layout (gb2019 and gb2021); every value reads back, and
    the rules it broke on purpose are exactly the single-report rules raised."""
    from replica import documents
    from replica.reports import expected_findings, make_report

    spec = make_report(
        seed=year + len(broken),
        street="杨园街道",
        district="武昌区",
        year=year,
        publisher="武汉市武昌区人民政府杨园街道办事处",
        signed_date=dt.date(year + 1, 1, 12),
        broken_rules=broken,
    )
    data = {
        "html": lambda: documents.render_html(spec).encode(),
        "docx": lambda: documents.render_docx(spec),
        "pdf": lambda: documents.render_pdf(spec),
    }[kind]()
    record = extract(data, filename=f"report.{kind}")
    assert record.template_version == spec.template
    assert set(record.cells) == set(tpl.table_keys(spec.template))
    got = {key: record.value(key) for key in spec.values}
    assert got == {key: (str(v) if key in tpl.DECIMAL_KEYS and v is not None else v) for key, v in spec.values.items()}
    raised = {f.rule for f in record.findings} & RULES_BY_CONSTRUCTION
    assert raised == set(expected_findings(spec))
    assert (record.street, record.district, record.report_year, record.doc_date) == (
        "杨园街道",
        "武昌区",
        year,
        dt.date(year + 1, 1, 12),
    )
