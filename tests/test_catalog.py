"""report.json holds a report's stable metadata: what was added to items later stays out of it while
empty, so an upgrade does not give every archived report.json a new version."""

from __future__ import annotations

import datetime as dt

from crawler.items import ReportItem
from pipelines.catalog import stable_report


def _item(**extra: object) -> ReportItem:
    return ReportItem(
        portal="wuchang", portal_name="武昌区", street="杨园街道", street_key="yyj", legal_district="武昌区",
        year=2024, title="杨园街道2024年政府信息公开工作年度报告",
        url="https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202501/t20250111_2516003.html",
        column_url="https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/", page_date=dt.date(2025, 1, 11),
        page_date_label="发布日期", url_date=dt.date(2025, 1, 11), doc_id=2516003, index_no=None, publisher=None,
        crawl_id="c1", has_body=True, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_fields_added_later_stay_out_of_report_json_while_empty() -> None:
    assert {"version_of", "issued_date", "issued_date_label"}.isdisjoint(stable_report(_item()))
    issued = stable_report(_item(issued_date=dt.date(2025, 1, 8), issued_date_label="发文日期"))
    assert (issued["issued_date"], issued["issued_date_label"]) == ("2025-01-08", "发文日期")
    assert "crawl_id" not in issued and issued["page_date"] == "2025-01-11"
