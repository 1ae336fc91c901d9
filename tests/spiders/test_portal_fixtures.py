"""Every portal's spider, in process, on saved pages (the city-scrapers manner).

The pages are the replica's answers as its WARC recorded them (scripts/fixtures.py wrote them under
tests/fixtures/<portal>/): one street's discovery pages, column pages and newest report page (one year's
column for a per-year portal). Each is handed to the callback of the request the spider made for its
canonical URL, as an ``HtmlResponse``, under a frozen clock; no server, no `scrapy` process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import time_machine
import yaml
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawler.items import ColumnItem, ReportItem
from crawler.registry import DEFAULT_PATH, default_registry, load_registry
from spiders.trs import TrsPortalSpider

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REGISTRY = load_registry(DEFAULT_PATH)  # the Wuhan portals whose pages scripts/fixtures.py saves from the replica
PORTALS = sorted(REGISTRY.portals)
SETTINGS = get_project_settings()
LOADER = get_spider_loader(SETTINGS)  # the project's loader: a spider per registry portal
FROZEN = dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)  # reports up to 2025 are out
PER_YEAR = 2024  # the year column saved for a per-year portal (scripts/fixtures.py)


@dataclass
class Walk:
    """What the spider yielded, fed every saved page it asked for."""

    items: list[Any] = field(default_factory=list)
    unserved: list[Request] = field(default_factory=list)  # requests for pages not saved
    served: list[str] = field(default_factory=list)


def saved_pages(portal: str, challenge: bool = False) -> dict[str, tuple[dict[str, Any], bytes]]:
    pages = json.loads((FIXTURES / portal / "pages.json").read_text(encoding="utf-8"))
    return {p["url"]: (p, (FIXTURES / portal / p["file"]).read_bytes()) for p in pages if p["challenge"] == challenge}


def arguments(portal: str) -> dict[str, str]:
    entry = REGISTRY.portal(portal)
    if entry.layout == "per_year":
        return {"years": str(PER_YEAR)}
    return {"streets": (entry.crawlable_streets() or entry.discoverable_streets())[0].key}


def response(request: Request, page: dict[str, Any], body: bytes) -> HtmlResponse:
    headers = {"Content-Type": page["content_type"]} if page["content_type"] else {}
    return HtmlResponse(request.url, status=page["status"], headers=headers, body=body, request=request)


def spider_for(portal: str, args: dict[str, str], **settings: Any) -> TrsPortalSpider:
    base = {**SETTINGS.copy_to_dict(), **get_reactor_settings(), "CRAWL_ID": "fixture-crawl", **settings}
    crawler = get_crawler(LOADER.load(portal), base)
    spider = crawler.spidercls.from_crawler(crawler, **args)
    assert isinstance(spider, TrsPortalSpider)
    return spider


async def _start(spider: TrsPortalSpider) -> list[Request]:
    return [request async for request in spider.start()]


def walk(
    portal: str, pages: dict[str, tuple[dict[str, Any], bytes]], args: dict[str, str] | None = None, **settings: Any
) -> Walk:
    """Run the spider's callbacks breadth-first on the saved pages, as the engine would with a downloader
    (``args``: the spider's ``-a`` arguments, by default those the pages were saved with)."""
    out = Walk()
    with time_machine.travel(FROZEN, tick=False):
        spider = spider_for(portal, arguments(portal) if args is None else args, **settings)
        queue = deque(asyncio.run(_start(spider)))
        while queue:
            request = queue.popleft()
            if request.url not in pages:
                out.unserved.append(request)
                continue
            out.served.append(request.url)
            assert request.callback is not None
            for result in request.callback(response(request, *pages[request.url]), **request.cb_kwargs) or ():
                (queue.append if isinstance(result, Request) else out.items.append)(result)
    return out


def test_every_portal_of_the_registry_has_saved_pages() -> None:
    assert len(PORTALS) == 15
    saved = {p.name for p in FIXTURES.iterdir() if (p / "pages.json").is_file()}
    assert sorted(set(PORTALS) - saved) == []
    for portal in PORTALS:
        pages = json.loads((FIXTURES / portal / "pages.json").read_text(encoding="utf-8"))
        assert all((FIXTURES / portal / p["file"]).is_file() for p in pages), portal
        assert all(p["url"].startswith(("https://", "http://")) for p in pages), portal


# portal → (street, year, URL) of the saved report page, and how many report pages the walk asked for.
EXPECTED: dict[str, tuple[str, int, str, int]] = {
    "caidian": (
        "蔡甸街道",
        2025,
        "https://www.caidian.gov.cn/qgdwxxgk/jdxxgk/jd01/zfxxgknb/202601/t20260108_2708219.shtml",
        6,
    ),
    "dongxihu": (
        "吴家山街道",
        2025,
        "https://www.dxh.gov.cn/ZWGK/bmxxgk/jdxxgk/jd01/ZFXXGKNB/202601/t20260109_2708751.shtml",
        6,
    ),
    "hanyang": (
        "晴川街道",
        2025,
        "https://www.hanyang.gov.cn/zwgk_38/jdxxgk/jd01_45060/zfxxgknb/202601/t20260109_2708779.shtml",
        7,
    ),
    "hongshan": ("狮子山街道", 2025, "https://www.hongshan.gov.cn/jxbm/szsj/xxgknb/202604/t20260418_2754113.shtml", 7),
    "huangpi": (
        "前川街道",
        2025,
        "https://www.huangpi.gov.cn/xxgk/jdxxgk/jd01/zfxxgknb/202601/t20260107_2707721.html",
        6,
    ),
    "jiangan": (
        "新村街道",
        2024,
        "https://www.jiangan.gov.cn/jaxxw/zfxxgk/zfxxgknb/zfxxgknb_2024/202501/t20250109_2515025.shtml",
        16,
    ),
    "jianghan": (
        "常青街道",
        2025,
        "https://www.jianghan.gov.cn/qzfpcjg/qfzhggj_46071/zfxxgkgznb/202601/t20260116_2711991.shtml",
        5,
    ),
    "jiangxia": (
        "纸坊街道",
        2025,
        "https://www.jiangxia.gov.cn/xxgk_22343/xzjdxxgk_22410/jd01_46531/zfxxgknb/202601/t20260120_2713850.shtml",
        7,
    ),
    "qiaokou": (
        "荣华街道",
        2025,
        "https://www.qiaokou.gov.cn/xxgk/zfxxgknb/bmjdhz/qzfpcjg/rhj/202601/t20260125_2716082.shtml",
        7,
    ),
    "qingshan": (
        "冶金街道",
        2025,
        "https://www.qingshan.gov.cn/qzfbm/jdbsc/jd01/zfxxgkgzndbg/202601/t20260119_2713400.shtml",
        7,
    ),
    "wehdz": (
        "关东街道",
        2025,
        "https://www.wehdz.gov.cn/2022/zfxxgk/dfbm/gdj/zfxxgkndbg_44101/202601/t20260117_2712537.shtml",
        7,
    ),
    "whdonghu": (
        "城乡工作办事处",
        2025,
        "https://www.whdonghu.gov.cn/zwgk_6255/xxgknb_6257/bmjdhz/qsejdw_72648/cxgzbsc_72651/202601/t20260120_2713909.shtml",
        7,
    ),
    "whkfq": ("沌阳街道", 2024, "https://www.whkfq.gov.cn/xxgk/zfxxgkndbg/2024/jdbsc/202501/t20250123_2522247.html", 7),
    "wuchang": ("杨园街道", 2025, "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202601/t20260120_2713934.html", 5),
    "xinzhou": (
        "邾城街道",
        2025,
        "https://www.whxinzhou.gov.cn/zwgk/xzjdxxgkpt/jd01_44531/zfxxgknb/202601/t20260117_2712661.shtml",
        7,
    ),
}
DISCOVERED = {"hanyang", "qingshan", "dongxihu", "caidian", "jiangxia", "huangpi", "xinzhou"}


@pytest.mark.parametrize("portal", PORTALS)
def test_the_spider_walks_the_saved_pages_to_the_report(portal: str) -> None:
    street, year, url, requested = EXPECTED[portal]
    pages = saved_pages(portal)
    result = walk(portal, pages)
    assert sorted(result.served) == sorted(pages)  # every saved page was asked for, none twice
    reports = [i for i in result.items if isinstance(i, ReportItem)]
    assert [(r.street, r.year, r.url, r.crawl_id) for r in reports] == [(street, year, url, "fixture-crawl")]
    assert reports[0].files[0].url == url and reports[0].files[0].name == "page.html"
    columns = [i for i in result.items if isinstance(i, ColumnItem)]
    assert columns and all(c.ok and c.error is None and c.incomplete is None for c in columns)
    assert {c.discovered for c in columns} == {portal in DISCOVERED}
    assert {p.fetched_at for c in columns for p in c.pages} == {"2026-07-01T08:30:00.000000Z"}  # the frozen clock
    listed = {(e["street"], e["year"], e["url"]) for c in columns for e in c.reports}
    assert (street, year, url) in listed
    # A per-year portal also asks for the folders next to the year asked (crawler/columns.py: a report may be
    # filed in the folder of the year it was published, or the year before), not saved with the fixture.
    near = [r for r in result.unserved if "walk" in r.cb_kwargs and r.cb_kwargs["walk"].item.neighbour]
    registry_portal = default_registry().portal(portal)
    expected = [year - 1, year + 1] if registry_portal.layout == "per_year" else []
    assert sorted(r.cb_kwargs["walk"].year for r in near) == expected
    # The next requests: the column's other report pages, each once, to parse_report.
    unserved = [r for r in result.unserved if r not in near]
    assert len(unserved) == requested - 1 and url not in {r.url for r in unserved}
    assert {r.callback.__name__ for r in unserved if r.callback} <= {"parse_report"}
    assert len({r.url for r in unserved}) == len(unserved)


def test_a_challenge_without_a_browser_is_recorded_and_never_read_as_a_column() -> None:
    result = walk("whdonghu", saved_pages("whdonghu", challenge=True), BROWSER_ENABLED=False)
    assert result.unserved == [] and len(result.served) == 1
    [column] = result.items
    assert isinstance(column, ColumnItem)
    assert (column.ok, column.challenge, column.error, column.reports) == (False, True, "HTTP 521 challenge page", [])
    assert [(p.status, p.rows) for p in column.pages] == [(521, 0)]


def test_failed_discovery_is_reported_not_guessed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The navigation does not lead where the registry says: every street to discover gets a failed
    column naming the missing link, never a guessed column (formerly a `scrapy crawl` in test_portals_e2e)."""
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["portals"]["hanyang"]["discovery"]["follow"] = ["政府信息公开", "社区服务"]  # no such link
    registry = tmp_path / "portals.yaml"
    registry.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = walk("hanyang", saved_pages("hanyang"), args={}, REGISTRY_PATH=str(registry))
    assert result.served == ["https://www.hanyang.gov.cn/", "https://www.hanyang.gov.cn/zwgk_38/"]
    assert result.unserved == []
    assert "discovery failed: no link '社区服务'" in caplog.text
    columns = [i for i in result.items if isinstance(i, ColumnItem)]
    assert len(columns) == 11 and not any(c.ok for c in columns) and all(c.discovered for c in columns)
    assert {c.error for c in columns} == {
        "discovery failed: no link '社区服务' on https://www.hanyang.gov.cn/zwgk_38/: has the layout changed?"
    }
