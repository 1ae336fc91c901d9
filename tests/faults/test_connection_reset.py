"""Connection resets: on a list page the column is recorded as failed, on an attachment the file is."""

from __future__ import annotations

from tests.faults.conftest import Faulty, column


def test_connection_resets(faulty: Faulty) -> None:
    pdf = faulty.url_of("sdj", 2019, attachment=True)
    faulty.faults(
        {"match": f"{column('laj')}index.html", "kind": "reset"},
        {"match": pdf, "kind": "reset"},
    )
    faulty.crawl()
    columns = faulty.columns()
    assert columns["laj"]["ok"] is False and columns["laj"]["error"].startswith("fetch failed: ")
    assert "ConnectionLost" in columns["laj"]["error"] or "ResponseNeverReceived" in columns["laj"]["error"]
    [page] = columns["laj"]["pages"]
    assert page["status"] is None and page["error"]  # the failed fetch itself is evidence
    record = faulty.reports()[("sdj", 2019)]["files"][1]
    assert record["url"] == pdf and record["store_key"] is None
    assert "ConnectionLost" in record["error"] or "ResponseNeverReceived" in record["error"]
    assert all(columns[s]["ok"] for s in ("yyj", "sdj", "xjpj"))
    faulty.assert_nothing_lost()
    faulty.assert_none_missing_by_fault()

    faulty.clear()
    faulty.crawl()
    faulty.assert_complete()
