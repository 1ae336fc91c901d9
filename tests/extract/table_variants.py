"""Reports whose tables hold cells the readers once misplaced, and the values every cell must read as.

The committed fixtures in ``tests/fixtures/tables/`` were made from these pages by the real producers:
the HTML as written here, its LibreOffice DOCX (HTML (StarWriter) import, Word 2007 export) and that DOCX
exported to PDF by LibreOffice. Regenerate them with ``python -m tests.extract.table_variants`` (needs
``soffice``). Every value cell holds a distinct number, so a cell read from its neighbour shows.

* ``cells``: a blank 总计 at the right end of a t3 row, two blank cells ending another, a blank first t4
  cell, and counts carrying footnote marks (<sup>1</sup>, ①, ⑴, ², a mark in t4);
* ``subtotal``: table 3 published with an extra 法人或其他组织 小计 column.
"""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from pathlib import Path

from crawler import template as tpl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tables"
VARIANTS = ("cells", "subtotal")

_T3_LABELS = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_in": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "total_processed": "（七）总计",
    "carried_out": "四、结转下年度继续办理",
}
_GROUPS = (
    ("（三）不予公开", "denied_"),
    ("（四）无法提供", "unable_"),
    ("（五）不予处理", "notproc_"),
    ("（六）其他处理", "other_"),
)
_ITEM_LABELS = {
    "denied_state_secret": "1.属于国家秘密",
    "denied_law_prohibited": "2.其他法律行政法规禁止公开",
    "denied_three_safety": "3.危及“三安全一稳定”",
    "denied_third_party": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息",
    "denied_process_info": "6.属于四类过程性信息",
    "denied_enforcement_file": "7.属于行政执法案卷",
    "denied_admin_query": "8.属于行政查询事项",
    "unable_not_held": "1.本机关不掌握相关政府信息",
    "unable_need_create": "2.没有现成信息需要另行制作",
    "unable_unclear": "3.补正后申请内容仍不明确",
    "notproc_petition": "1.信访举报投诉类申请",
    "notproc_duplicate": "2.重复申请",
    "notproc_publication": "3.要求提供公开出版物",
    "notproc_mass_repeat": "4.无正当理由大量反复申请",
    "notproc_confirm_existing": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他",
}
_T3_ROWS = tpl.t3_rows(tpl.GB2021)
_T4 = {"review": (1, 2, 3, 4, 10), "suit_direct": (5, 6, 7, 8, 26), "suit_after_review": (9, 11, 12, 13, 45)}

# variant → key → the cell's text where it is not the plain number
_CELLS: dict[str, dict[str, str]] = {
    "cells": {
        "t3_new_total": "",
        "t3_carried_out_other_org": "",
        "t3_carried_out_total": "",
        "t4_review_upheld": "",
        "t3_carried_in_natural": "{}<sup>1</sup>",
        "t3_granted_natural": "{}①",
        "t3_partial_natural": "{}⑴",
        "t3_unable_not_held_natural": "{}²",
        "t4_suit_direct_upheld": "{}<sup>2</sup>",
    },
    "subtotal": {},
}


def t3_values() -> dict[str, int]:
    """Consistent counts (every §4.2 sum holds), no two alike within a row: item row r has r+1, r+31, r+61 …
    across the six applicant columns; 上年结转 2…7, 结转下年度 3…8, 本年新收 what balances them."""
    items = [row for row in _T3_ROWS if row not in ("new", "carried_in", "total_processed", "carried_out")]
    rows = {row: [r + 1 + 30 * c for c in range(6)] for r, row in enumerate(items)}
    rows["total_processed"] = [sum(rows[row][c] for row in items) for c in range(6)]
    rows["carried_in"] = [c + 2 for c in range(6)]
    rows["carried_out"] = [c + 3 for c in range(6)]
    rows["new"] = [rows["total_processed"][c] + rows["carried_out"][c] - rows["carried_in"][c] for c in range(6)]
    values = {}
    for row in _T3_ROWS:
        for col, value in zip(tpl.T3_COLUMNS, [*rows[row], sum(rows[row])], strict=True):
            values[f"t3_{row}_{col}"] = value
    return values


def t4_values() -> dict[str, int]:
    return {f"t4_{block}_{col}": v for block, row in _T4.items() for col, v in zip(tpl.T4_COLUMNS, row, strict=True)}


def expected(variant: str) -> dict[str, int | None]:
    """Every t3 and t4 key's value: a blank or footnote-marked cell is None."""
    values: dict[str, int | None] = {**t3_values(), **t4_values()}
    values.update(dict.fromkeys(_CELLS[variant], None))
    return values


def _td(text: str, rowspan: int = 1, colspan: int = 1) -> str:
    spans = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<td{spans}>{text}</td>"


def _value(variant: str, key: str, value: int) -> str:
    form = _CELLS[variant].get(key)
    return _td(str(value) if form is None else form.format(value))


def _t3_table(variant: str) -> str:
    values = t3_values()
    subtotal = variant == "subtotal"
    organisations = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    rows = [
        _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3)
        + _td("申请人情况", 1, 8 if subtotal else 7),
        _td("自然人", 2) + _td("法人或其他组织", 1, 6 if subtotal else 5) + _td("总计", 2),
        "".join(_td(label) for label in (["小计", *organisations] if subtotal else organisations)),
    ]
    group_open: set[str] = set()
    for row in _T3_ROWS:
        cells = [_value(variant, f"t3_{row}_{col}", values[f"t3_{row}_{col}"]) for col in tpl.T3_COLUMNS]
        if subtotal:
            cells.insert(1, _td(str(sum(values[f"t3_{row}_{col}"] for col in tpl.T3_COLUMNS[1:6]))))
        if row in ("new", "carried_in", "carried_out"):
            label = _td(_T3_LABELS[row], 1, 3)
        elif row in ("granted", "partial", "total_processed"):
            label = ("" if group_open else _td("三、本年度办理结果", 22)) + _td(_T3_LABELS[row], 1, 2)
            group_open.add("三")
        else:
            group, prefix = next((g, p) for g, p in _GROUPS if row.startswith(p))
            label = ""
            if group not in group_open:
                group_open.add(group)
                label = _td(group, sum(1 for r in _T3_ROWS if r.startswith(prefix)))
            label += _td(html.escape(_ITEM_LABELS[row]))
        rows.append(label + "".join(cells))
    return _table(rows)


def _t4_table(variant: str) -> str:
    columns = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    values = t4_values()
    return _table(
        [
            _td("行政复议", 1, 5) + _td("行政诉讼", 1, 10),
            "".join(_td(c, 2) for c in columns) + _td("未经复议直接起诉", 1, 5) + _td("复议后起诉", 1, 5),
            "".join(_td(c) for c in columns * 2),
            "".join(_value(variant, key, value) for key, value in values.items()),
        ]
    )


def _t2_table() -> str:
    return _table(
        [
            _td("第二十条第（一）项", 1, 4),
            _td("信息内容") + _td("本年制发件数") + _td("本年废止件数") + _td("现行有效件数"),
            _td("规章") + _td("0") + _td("0") + _td("0"),
            _td("行政规范性文件") + _td("2") + _td("1") + _td("5"),
            _td("第二十条第（五）项", 1, 4),
            _td("信息内容") + _td("本年处理决定数量", 1, 3),
            _td("行政许可") + _td("37", 1, 3),
            _td("第二十条第（六）项", 1, 4),
            _td("信息内容") + _td("本年处理决定数量", 1, 3),
            _td("行政处罚") + _td("149", 1, 3),
            _td("行政强制") + _td("6", 1, 3),
            _td("第二十条第（八）项", 1, 4),
            _td("信息内容") + _td("本年收费金额（单位：万元）", 1, 3),
            _td("行政事业性收费") + _td("0", 1, 3),
        ]
    )


def _table(rows: list[str]) -> str:
    body = "\n".join(f"<tr>{row}</tr>" for row in rows)
    return f'<table border="1" cellspacing="0" cellpadding="3" style="border-collapse:collapse">\n{body}\n</table>'


def page(variant: str) -> str:
    title = "汉水桥街道2022年度政府信息公开工作年度报告"
    paragraphs = [
        "一、总体情况",
        "2022年，汉水桥街道严格落实政务公开制度，扎实推进政府信息公开各项工作。",
        "二、主动公开政府信息情况",
        _t2_table(),
        "三、收到和处理政府信息公开申请情况",
        _t3_table(variant),
        "四、政府信息公开行政复议、行政诉讼情况",
        _t4_table(variant),
        "五、存在的主要问题及改进情况",
        "少数科室对落实政务公开标准要求重视不够，下一步将提升服务意识。",
        "六、其他需要报告的事项",
        "2022年街道未收取政府信息处理费。",
        "硚口区人民政府汉水桥街道办事处",
        "2023年1月4日",
    ]
    body = "\n".join(p if p.startswith("<table") else f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:'Noto Sans CJK SC';font-size:10.5pt} td{border:1px solid #000}</style>"
        f"</head><body><h2>{title}</h2>\n{body}\n</body></html>\n"
    )


def _soffice(args: list[str], profile: str) -> None:
    command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", *args]
    subprocess.run(command, check=True, capture_output=True, timeout=300)


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nianbao-tables-") as tmp:
        sources = []
        for variant in VARIANTS:
            path = FIXTURES / f"{variant}.html"
            path.write_text(page(variant), encoding="utf-8")
            sources.append(str(path))
        filter_ = "--infilter=HTML (StarWriter)"
        _soffice([filter_, "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(FIXTURES), *sources], tmp)
        documents = [str(FIXTURES / f"{variant}.docx") for variant in VARIANTS]
        _soffice(["--convert-to", "pdf", "--outdir", str(FIXTURES), *documents], tmp)
    sys.stdout.write(f"wrote {FIXTURES}\n")


if __name__ == "__main__":
    main()
