"""Compliance on columns the crawler did not understand, and on report pages it could not read (issue 18):
always ``unknown`` with the reason, never ``missing`` and never ``on_time`` on nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.compliance.test_judge import column, report, run, status_of, store_with

AFTER = dt.date(2025, 6, 1)


def test_an_incomplete_column_leaves_its_years_unknown_with_the_reason(tmp_path: Path) -> None:
    why = "unrecognised pager (script calls showPageList()) on https://www.wuchang.gov.cn/xxgk/x/zfxxgknb/index.html"
    store = store_with(tmp_path, [column("杨园街道", ok=False, error=None, incomplete=why)])
    status = status_of(run(store, AFTER), "杨园街道")
    assert (status.status, status.reason) == ("unknown", f"the column is incomplete: {why}")
    assert status.evidence["incomplete"] == why


def test_a_badly_linked_report_row_is_unknown_not_missing(tmp_path: Path) -> None:
    skipped = {"url": "javascript:void(0)", "title": "杨园街道2024年政府信息公开工作年度报告", "street": "杨园街道",
               "year": 2024, "reason": "malformed link: href 'javascript:void(0)' names no page"}  # fmt: skip
    store = store_with(tmp_path, [column("杨园街道", skipped=[skipped])])
    status = status_of(run(store, AFTER), "杨园街道")
    assert status.status == "unknown"
    assert status.reason == (
        "the column lists a report for this year but its link cannot be followed: "
        "malformed link: href 'javascript:void(0)' names no page"
    )


def test_a_row_opened_but_not_read_makes_every_year_of_its_street_unknown(tmp_path: Path) -> None:
    failure = {"type": "FetchFailure", "portal": "wuchang", "street": "杨园街道", "street_key": "x", "year": None,
               "url": "https://www.wuchang.gov.cn/xxgk/x/zfxxgknb/202501/t20250110_1.html",
               "error": "title unreadable in the list ('杨园街道2024年…') and on the page"}  # fmt: skip
    store = store_with(tmp_path, [column("杨园街道"), failure])
    status = status_of(run(store, AFTER), "杨园街道")
    assert status.status == "unknown" and "title unreadable" in status.reason


def test_a_report_page_with_neither_text_nor_attachment_is_not_a_report_read(tmp_path: Path) -> None:
    empty = {**report("杨园街道", 2024, "2025-01-10", "2025-01-10"), "has_body": False,
             "files": [{"role": "page", "kind": "html", "url": "u", "store_key": "k"}]}  # fmt: skip
    status = status_of(run(store_with(tmp_path, [column("杨园街道"), empty]), AFTER), "杨园街道")
    assert (status.status, status.reason) == (
        "unknown", "a report page was found but it has neither report text nor an attachment",
    )  # fmt: skip
    pdf = {"role": "attachment", "kind": "pdf", "url": "a.pdf", "store_key": "k2"}  # archived
    attached = {**empty, "files": [*empty["files"], pdf],
                "findings": ["the page's own title could not be read (title: '武汉市武昌区人民政府'); "
                             "the list title was used"]}  # fmt: skip
    status = status_of(run(store_with(tmp_path / "2", [column("杨园街道"), attached]), AFTER), "杨园街道")
    assert status.status == "on_time" and status.evidence["findings"] == attached["findings"]
