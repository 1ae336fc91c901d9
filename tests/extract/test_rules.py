"""The deadline judgement (§5) and the cross-document rules (V32–V36) on concrete cases."""

from __future__ import annotations

import dataclasses
import datetime as dt

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
