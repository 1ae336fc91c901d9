"""The deadline judgement (§5) and the cross-document rules (V32–V36) on concrete cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from crawler.extract import check_corpus, extract_text, republication_findings
from crawler.extract.deadline import Policy, judge
from tests.extract.conftest import seed_text

D = dt.date


@pytest.mark.parametrize(
    ("year", "page", "url", "doc", "status", "severity", "basis"),
    [
        (2021, D(2022, 1, 31), None, None, "on_time", None, "page_date"),  # the deadline day is on time
        (2021, D(2022, 2, 1), None, None, "late_warning", "warning", "page_date"),
        (2021, D(2022, 3, 31), None, None, "late_warning", "warning", "page_date"),
        (2021, D(2022, 4, 1), None, None, "late_error", "error", "page_date"),
        (
            2021,
            None,
            D(2022, 2, 14),
            D(2022, 1, 5),
            "late_warning",
            "warning",
            "url_date",
        ),  # url over doc date
        (2021, None, None, D(2022, 1, 20), "proxy_on_time", None, "doc_date"),
        (
            2021,
            None,
            None,
            D(2022, 2, 20),
            "late_warning",
            "warning",
            "doc_date",
        ),  # a late proxy proves lateness
        (2021, None, None, D(2021, 12, 30), "premature", None, "doc_date"),
        (2018, D(2019, 3, 31), None, None, "on_time", None, "page_date"),  # old regulation: 31 March only
        (2018, D(2019, 4, 1), None, None, "late_error", "error", "page_date"),
        (2021, None, None, None, "unknown", None, None),
    ],
)
def test_deadline(
    year: int,
    page: D | None,
    url: D | None,
    doc: D | None,
    status: str,
    severity: str | None,
    basis: str | None,
) -> None:
    judged = judge(year, page_date=page, url_date=url, doc_date=doc)
    assert (judged.status, judged.late_severity, judged.basis) == (status, severity, basis)
    assert judged.deadline == (D(year + 1, 1, 31) if year >= 2019 else D(year + 1, 3, 31))


def test_deadline_per_district_policy() -> None:
    policies = {"黄陂区": Policy(d1=(2, 20))}
    judged = judge(2021, page_date=D(2022, 2, 15), url_date=None, doc_date=None, district="黄陂区", policies=policies)
    assert (judged.deadline, judged.status) == (D(2022, 2, 20), "on_time")


def test_v08_from_crawl_metadata() -> None:
    record = extract_text(
        seed_text("004_38957af2b50007e7"),
        doc_id="004",
        crawl_meta={"source_url": "https://www.qiaokou.gov.cn/x/202304/t20230403_1.shtml"},
    )
    assert (record.url_date, record.publish_date, record.deadline_status) == (
        D(2023, 4, 3),
        D(2023, 4, 3),
        "late_error",
    )
    v08 = [f for f in record.findings if f.rule == "V08"]
    assert [(f.severity, f.evidence["basis"], f.evidence["date"]) for f in v08] == [
        ("error", "url_date", D(2023, 4, 3))
    ]
    assert not [f for f in record.findings if f.rule == "V09"]


def _variant(year: int, edits: dict[int, tuple[str, str]], doc_id: str) -> str:
    lines = seed_text("004_38957af2b50007e7").split("\n")
    lines[0] = lines[0].replace("2022年度", f"{year}年度")
    for number, (old, new) in edits.items():
        assert lines[number - 1] == old
        lines[number - 1] = new
    return "\n".join(lines)


def test_previous_year_rules_v32_v33_v35() -> None:
    previous = extract_text(_variant(2021, {359: ("\t\u00a00", "\t2"), 48: ("\t0", "\t5")}, "prev"), doc_id="prev")
    current = extract_text(_variant(2022, {}, "cur"), doc_id="cur")
    checked = {r.doc_id: r for r in check_corpus([previous, current])}
    extra = [f for f in checked["cur"].findings if f.rule in ("V32", "V33", "V34", "V35")]
    by_rule = {f.rule: f for f in extra}
    assert sorted(by_rule) == ["V32", "V33", "V35"]  # same unit: no V34
    assert (by_rule["V32"].keys, by_rule["V32"].evidence["previous"]) == (("t3_carried_in_natural",), 2)
    assert (by_rule["V33"].keys, by_rule["V33"].evidence["previous"]) == (("t2_normative_in_force",), 5)
    assert by_rule["V35"].evidence == {"other_doc_id": "prev", "containment": 1.0}
    assert not [f for f in checked["prev"].findings if f.rule in ("V32", "V33", "V35")]  # no 2020 report


def test_v36_changed_after_publication() -> None:
    url = "https://www.wuchang.gov.cn/a/202601/t20260109_1.html"
    first = extract_text(
        seed_text("000_5dc0f6ddf6e173eb"), doc_id="a", crawl_meta={"source_url": url, "file_sha256": "1" * 64}
    )
    again = dataclasses.replace(first, file_sha256="2" * 64)
    findings = republication_findings(again, [first])
    assert [(f.rule, f.severity, f.evidence["previous_sha256"]) for f in findings] == [("V36", "info", ["1" * 64])]
    assert republication_findings(first, [first]) == []


# ---- V34 and template text --------------------------------------------------------------------

# The stock paragraphs of the model report every office starts from (the 2021 template's preamble and
# boilerplate, as street reports reprint them); 〈U〉 is where each office puts its own name.
_TEMPLATE_TEXT = (
    "本报告根据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室关于年度报告格式的要求，"
    "由〈U〉党政综合办公室编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
    "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。",
    "本报告中所列数据的统计期限自本年度一月一日起至十二月三十一日止。本报告电子版可在区人民政府门户网站下载，"
    "如对本报告有任何疑问，请与〈U〉党政综合办公室联系，联系地址和电话见政府信息公开指南。",
    "〈U〉坚持以公开为常态、不公开为例外，紧紧围绕区委区政府的中心工作，认真贯彻落实政府信息公开条例，"
    "全面推进决策、执行、管理、服务、结果公开，不断提升政府信息公开工作的质量和实效，切实保障人民群众的知情权。",
    "〈U〉严格落实政府信息公开保密审查制度，坚持先审查后公开和一事一审原则，明确审查程序和责任，"
    "确保公开的政府信息不涉及国家秘密、商业秘密和个人隐私，全年未发生因公开不当引发的泄密事件。",
    "下一步，〈U〉将继续深入贯彻落实政府信息公开条例，进一步规范依申请公开办理流程，加强政府信息公开工作人员业务培训，"
    "不断提高政府信息公开工作的规范化水平，更好地服务辖区居民群众和企业。",
)
_UNITS = (
    ("杨园街道", "武昌区"), ("二七街道", "江岸区"), ("汉水桥街道", "硚口区"), ("水果湖街道", "武昌区"),
    ("中南路街道", "武昌区"), ("积玉桥街道", "武昌区"), ("宝丰街道", "硚口区"), ("永清街道", "江岸区"),
    ("洪山街道", "洪山区"), ("关山街道", "洪山区"), ("沌口街道", "经开区"), ("龙阳街道", "汉阳区"),
)  # fmt: skip


def _report(street: str, district: str, seed: int, year: int = 2023) -> str:
    """A report of its own (the replica's prose for this unit) that also reprints the template's text."""
    from replica.reports import make_report

    spec = make_report(
        seed=seed,
        street=street,
        district=district,
        publisher=f"武汉市{district}人民政府{street}办事处",
        year=year,
        signed_date=D(year + 1, 1, 15),
    )
    lines = [spec.title, "一、总体情况", *(p.replace("〈U〉", street) for p in _TEMPLATE_TEXT)]
    for sid, number, label in tpl_sections():
        if sid != "S1":
            lines.append(f"{number}{label}")
        lines += list(spec.prose.get(sid, ()))
    lines += [spec.publisher, f"{year + 1}年1月15日"]
    return "\n".join(lines)


def tpl_sections() -> tuple[tuple[str, str, str], ...]:
    from crawler import template as tpl

    return tuple(tpl.SECTIONS)


def _template_corpus() -> list[Any]:
    return [
        extract_text(_report(street, district, seed=100 + n), doc_id=f"r{n:02d}")
        for n, (street, district) in enumerate(_UNITS)
    ]


def test_template_text_alone_is_not_copying() -> None:
    """Twelve units' correct reports reprint the template's stock paragraphs: without the template left
    out, every pair shares ≥ 30 % of its text (V34 on all twelve); with it left out, none is flagged."""
    from crawler.extract import containment as cont
    from crawler.extract.rules import record_shingles

    records = _template_corpus()
    shingles = [record_shingles(r) for r in records]
    raw = [cont.containment(shingles[0], other) for other in shingles[1:]]
    assert min(raw) >= 0.30, raw  # the old rule flagged every report against every other
    checked = check_corpus(records)
    assert [f for r in checked for f in r.findings if f.rule == "V34"] == []


def test_a_real_copy_is_still_flagged_among_template_reports() -> None:
    """Another unit's report with the names swapped (杨园 → 徐家棚) is a copy: V34 both ways, nothing else."""
    records = _template_corpus()
    source = records[0]
    copied = source.text.replace("杨园", "徐家棚")
    records.append(extract_text(copied, doc_id="copy"))
    checked = {r.doc_id: r for r in check_corpus(records)}
    flagged = {
        doc_id: sorted((f.evidence["other_doc_id"], f.evidence["containment"]) for f in r.findings if f.rule == "V34")
        for doc_id, r in checked.items()
    }
    assert flagged.pop("copy") == [("r00", 1.0)]
    assert flagged.pop("r00") == [("copy", 1.0)]
    assert all(found == [] for found in flagged.values()), flagged
    assert checked["copy"].street == "徐家棚街道"
