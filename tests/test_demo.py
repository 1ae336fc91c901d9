"""`scrapy demo`, what the README's first command runs: the replica's 武昌 crawled into an archive, the
summary, the records and the compliance matrix; a second run stores nothing new."""

from __future__ import annotations

import json
import re
from pathlib import Path

from crawler.commands.demo import summarise
from crawler.i18n import translator
from crawler.registry import default_registry
from crawler.store import open_store
from tests.support import scrapy
from tests.textcheck import english_words, han


def test_demo_crawls_the_replica_and_a_second_run_stores_nothing_new(tmp_path: Path) -> None:
    where = [
        "-s", f"STORE_URI={tmp_path / 'data'}", "-s", f"HTTPCACHE_DIR={tmp_path / 'cache'}",
        "-s", f"CRAWLLOG_SPOOL={tmp_path / 'spool'}", "-s", f"WARC_DIR={tmp_path / 'warc'}",
    ]  # fmt: skip
    first = scrapy("demo", *where, env={"NIANBAO_LANG": "en"}, timeout=600).stdout
    assert "mirror of https://www.wuchang.gov.cn/" in first
    assert re.search(r"95 reports in 14 columns \(14 crawled completely\); 118 files .*; 0 fetch failures\.", first)
    assert "records: 95 reports read (28 gb2019, 67 gb2021)" in first
    # The replica's world (seed 0): 粮道 2022 was never published; 南湖 2020 went up on 5 February.
    assert "missing  wuchang 粮道街道 2022: deadline 2023-01-31 passed" in first
    assert "late     wuchang 南湖街道 2020: published 2021-02-05 (page date), 5 days after the deadline" in first
    second = scrapy("demo", *where, timeout=600).stdout  # Chinese by default
    assert "新存0个版本；0次抓取失败。" in second
    assert "逾期     wuchang 南湖街道 2020: 2021-02-05公开（页面日期），逾期5天" in second
    assert english_words(second) == []  # but names, codes, URLs and commands
    assert han(first, names={*default_registry().portal("wuchang").name.split(), *re.findall(r"\S+街道", first)}) == []
    assert scrapy("verify", where[0], where[1]).stdout.endswith(" 0 problem(s)\n")


def test_summary_of_a_per_year_portal_names_the_streets_its_reports_name(tmp_path: Path) -> None:
    """江岸 lists reports in one folder per year: its columns name a year and no street."""
    store = open_store(str(tmp_path / "data"))
    items = [
        {"type": "ColumnItem", "street": None, "year": 2023, "ok": True},
        {"type": "ReportItem", "street": "大智街道", "year": 2023, "page_date": "2024-01-20", "files": []},
        {"type": "ReportItem", "street": "一元街道", "year": 2023, "page_date": "2024-02-02", "files": []},
    ]
    store.put("_crawls/jiangan/c1.jsonl", "".join(json.dumps(i) + "\n" for i in items).encode())
    text = summarise(store, "jiangan", "c1", translator("en"))
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if "街道" in line}
    assert rows == {"一元街道": ["02-02*"], "大智街道": ["01-20"]}
    assert "2 reports in 1 columns (1 crawled completely)" in text
