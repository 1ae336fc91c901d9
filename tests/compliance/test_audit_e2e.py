"""Real `scrapy crawl` runs (their clock shifted with time-machine) against a static loopback copy of a portal, then
`scrapy status`: a list page carried from before the deadline (tiered revalidation) and a report listed once and
withdrawn since are never `missing`."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.revalidation import slot
from tests.static_mirror import Mirror, serve
from tests.support import FAST, ROOT, scrapy

BODY = (
    '<div class="trs_editor_view">'
    + "<p>一、总体情况。2024年，本街道扎实推进政府信息公开工作，主动公开政府信息。</p>" * 6
    + "</div>"
)

AT = """
import sys, time_machine
when = sys.argv.pop(1)
with time_machine.travel(when, tick=True):
    from scrapy.cmdline import execute
    sys.argv[0] = "scrapy"
    execute()
"""


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    yield from serve(tmp_path / "mirror")


def crawl_at(when: str, portal: str, mirror: Mirror, store: Path, *extra: str, **settings: str) -> None:
    """`scrapy crawl` as if run at ``when`` (UTC): its pages' fetched_at and its crawl id are of that moment."""
    every = {**FAST, "LOG_LEVEL": "WARNING", "PORTAL_MIRROR": mirror.url, "STORE_URI": str(store),
             "HTTPCACHE_ENABLED": "False", "HTTPCACHE_DIR": f"{store}-httpcache", "CRAWLLOG_SPOOL": f"{store}-spool",
             "WARC_DIR": f"{store}-warc", "REVALIDATE_TODAY": when[:10], **settings}  # fmt: skip
    opts = [arg for name, value in every.items() for arg in ("-s", f"{name}={value}")]
    proc = subprocess.run(
        [sys.executable, "-c", AT, when, "crawl", portal, *opts, *extra], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr[-3000:]


def status_of(store: Path, portal: str, street: str, today: str) -> dict[str, Any]:
    proc = scrapy("status", "--year", "2024", "--portal", portal, "--format", "json", "--today", today, "--lang", "en",
                  "-s", f"STORE_URI={store}", check=False)  # fmt: skip
    return next(r for r in json.loads(proc.stdout) if r["street"] == street)


def detail(title: str, date: str, publisher: str) -> str:
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"<table><tr><td>名  称:</td><td>{title}</td><td>发布机构:</td><td>{publisher}</td></tr>"
            f"<tr><td>公开日期:</td><td>{date}</td><td>公开方式:</td><td>有效</td></tr></table>"
            f"<h1>{title}</h1>{BODY}</body></html>")  # fmt: skip


def listing(rows: list[tuple[str, str, str]], pager: str = "") -> str:
    items = "".join(f'<li><a href="{href}" title="{t}">{t}</a><span>{d}</span></li>' for href, t, d in rows)
    return f'<html><head><meta charset="utf-8"></head><body><ul class="list">{items}</ul>{pager}</body></html>'


def test_a_list_page_carried_from_before_the_deadline_is_no_proof_of_absence(mirror: Mirror, tmp_path: Path) -> None:
    """江岸's per-year column, 2 pages. Crawl A (26 Jan) reads both; crawl B (after the deadline, not page 2's
    revalidation day) would carry page 2 from crawl A, where 二七's report, listed by its 公开日期, now sits. A
    copy read before the deadline proves nothing about it (compliance would say unknown, never missing:
    tests/compliance/test_audit_verdicts.py), so the spider reads page 2 again: 二七 is found, on time."""
    col = "https://www.jiangan.gov.cn/jaxxw/zfxxgk/zfxxgknb/zfxxgknb_2024/"

    def pages(extra: list[tuple[str, str, str]]) -> None:
        rows = []
        for day in range(24, 0, -1):  # 24 department reports, newest first
            href = f"./202501/t202501{day:02d}_25{day:02d}000.shtml"
            rows.append((href, f"江岸区第{day}局2024年政府信息公开工作年度报告", f"2025-01-{day:02d}"))
            mirror.put(col + href[2:], detail(rows[-1][1], f"2025年01月{day:02d}日", f"江岸区第{day}局"))
        rows = sorted(rows + extra, key=lambda r: r[2], reverse=True)
        for n, (name, part) in enumerate((("index.shtml", rows[:20]), ("index_1.shtml", rows[20:]))):
            mirror.put(col + name, listing(part, f'<script>createPageHTML(2, {n}, "index", "shtml");</script>'))

    store = tmp_path / "archive"
    args = ("-a", "streets=二七街道", "-a", "years=2024")
    pages([])
    crawl_at("2025-01-26T02:00:00Z", "jiangan", mirror, store, *args, REVALIDATE_DAYS="7")
    erqi = "./202501/t20250130_2521500.shtml"
    mirror.put(col + erqi[2:], detail("二七街道2024年政府信息公开工作年度报告", "2025年01月05日", "二七街道"))
    pages([(erqi, "二七街道2024年政府信息公开工作年度报告", "2025-01-05")])
    later = col + "index_1.shtml"
    day = next(
        d for d in (dt.date(2025, 2, 1) + dt.timedelta(n) for n in range(7)) if d.toordinal() % 7 != slot(later, 7)
    )
    crawl_at(f"{day}T02:00:00Z", "jiangan", mirror, store, *args, REVALIDATE_DAYS="7")
    row = status_of(store, "jiangan", "二七街道", day.isoformat())
    fetched = {p["url"]: p["fetched_at"][:10] for p in row["evidence"]["pages"]}
    assert fetched == {col + "index.shtml": day.isoformat(), later: day.isoformat()}  # page 2 read again
    assert (row["status"], row["date_used"]) == ("on_time", "2025-01-05")


def test_a_report_listed_once_then_withdrawn_is_never_missing(mirror: Mirror, tmp_path: Path) -> None:
    col = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"
    title = "杨园街道2024年政府信息公开工作年度报告"
    mirror.put(col, listing([("./202501/t20250120_2518000.html", title, "2025-01-20")]))  # its page answers 404
    store = tmp_path / "archive"
    args = ("-a", "streets=杨园街道", "-a", "years=2024")
    crawl_at("2025-01-22T02:00:00Z", "wuchang", mirror, store, *args)
    mirror.put(
        col, '<html><head><meta charset="utf-8"></head><body><div class="list"><p>暂无信息</p></div></body></html>'
    )
    crawl_at("2025-02-10T02:00:00Z", "wuchang", mirror, store, *args)
    row = status_of(store, "wuchang", "杨园街道", "2025-02-10")
    assert (row["status"], row["reason"]) == (
        "unknown", f"a report was listed in {col} on 2025-01-22 (list date 2025-01-20) but its page was never read"
    )  # fmt: skip


def test_a_report_filed_in_the_folder_of_the_year_it_was_published_is_found(mirror: Mirror, tmp_path: Path) -> None:
    """武汉经开区 files by year folder; a report of 2024 published in January 2025 may sit in folder 2025 (audit
    f_year_folder). A crawl of 2024 walks folder 2025 too: 沌口's report is found there, on time, and 湘口, in
    neither folder, is missing: both folders were read after the deadline."""
    col = "https://www.whkfq.gov.cn/xxgk/zfxxgkndbg/{}/jdbsc/"
    mirror.put(col.format(2024), '<html><head><meta charset="utf-8"></head><body><p>暂无信息</p></body></html>')
    title, href = "沌口街道2024年政府信息公开工作年度报告", "./202501/t20250117_2519642.html"
    mirror.put(col.format(2025), listing([(href, title, "2025-01-17")]))
    mirror.put(col.format(2025) + href[2:], detail(title, "2025年01月17日", "沌口街道"))
    store = tmp_path / "archive"
    crawl_at("2025-02-10T02:00:00Z", "whkfq", mirror, store, "-a", "years=2024")
    found = status_of(store, "whkfq", "沌口街道", "2025-02-10")
    assert (found["status"], found["date_used"], found["report_url"]) == (
        "on_time", "2025-01-17", col.format(2025) + href[2:]
    )  # fmt: skip
    absent = status_of(store, "whkfq", "湘口街道", "2025-02-10")
    assert (absent["status"], absent["reason"]) == (
        "missing", "deadline 2025-01-31 passed; the column crawled completely on 2025-02-10 lists no report"
    )  # fmt: skip
