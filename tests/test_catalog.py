"""report.json holds a report's stable metadata: what was added to items later stays out of it while
empty, so an upgrade does not give every archived report.json a new version."""

from __future__ import annotations

import datetime as dt

from crawler.items import ReportItem
from pipelines.catalog import stable_report
from tests.support import report_item


def _item(**extra: object) -> ReportItem:
    item: ReportItem = report_item(page_date_label="发布日期", **extra)
    return item


def test_fields_added_later_stay_out_of_report_json_while_empty() -> None:
    assert {"version_of", "issued_date", "issued_date_label"}.isdisjoint(stable_report(_item()))
    issued = stable_report(_item(issued_date=dt.date(2025, 1, 8), issued_date_label="发文日期"))
    assert (issued["issued_date"], issued["issued_date_label"]) == ("2025-01-08", "发文日期")
    assert "crawl_id" not in issued and issued["page_date"] == "2025-01-11"
