"""The dashboard in a real headless Chromium, in Chinese and English: overview, district and street pages
linked together; the on-time chart; the street page's versions with the table diff of a silent edit; no
horizontal scrolling on a 390 px phone; headings, captions and header cells for screen readers. And every
text of the replica's archive — dashboard, status table and JSON, alerts — in one language at a time."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from playwright.sync_api import Page, sync_playwright

from crawler.alerts import AlertConfig, plan
from crawler.commands.status import as_json, as_table
from crawler.compliance import Status, judge
from crawler.dashboard import district_page, on_time_shares, street_page
from crawler.i18n import Translator, _catalog
from crawler.registry import default_registry
from crawler.store import open_store
from replica.server import start_in_thread
from replica.site import Site
from tests.support import ROOT, crawl, scrapy
from tests.textcheck import english_words, han

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
TODAY = "2026-11-24"


@dataclass(frozen=True)
class Built:
    archive: Path
    zh: Path  # the dashboard in Chinese (the default)
    en: Path  # … and with --lang en
    truth: dict[tuple[str, int], dict[str, Any]]
    edited: dict[str, Any]  # the manifest entry of the report the replica re-published


@pytest.fixture(scope="module")
def built(replica_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """武昌 crawled with extraction, then crawled again after the replica silently re-published one report."""
    tmp = tmp_path_factory.mktemp("dashboard")
    archive = tmp / "archive"
    server = start_in_thread(replica_site, port=0)
    try:
        crawl("wuchang", server.url, archive, settings={"EXTRACT_ENABLED": "True"})
        urllib.request.urlopen(urllib.request.Request(server.url + "/_replica/republish", data=b"on"))
        crawl("wuchang", server.url, archive, settings={"EXTRACT_ENABLED": "True"})
        manifest = replica_site.manifest()
    finally:
        server.shutdown()
        server.server_close()
        replica_site.set_republished(False)
    where = ["--portal", "wuchang", "--today", TODAY, "-s", f"STORE_URI={archive}"]
    scrapy("dashboard", "--out", str(tmp / "zh"), *where, env={"NIANBAO_LANG": ""})
    scrapy("dashboard", "--out", str(tmp / "en"), "--lang", "en", *where)
    reports = [e for e in manifest["reports"] if e["portal"] == "wuchang"]
    truth = {(e["street"], e["year"]): e for e in reports}
    yield Built(archive, tmp / "zh", tmp / "en", truth, next(e for e in reports if e.get("republishable")))


def statuses(built: Built) -> list[Status]:
    return judge(default_registry(), open_store(str(built.archive)), dt.date.fromisoformat(TODAY), portals=["wuchang"])


def names(built: Built) -> set[str]:
    """The Chinese names an English text may carry: streets, districts, report titles."""
    registry = default_registry()
    found = {registry.portal("wuchang").name, "武昌区"}
    for unit in registry.portal("wuchang").streets:
        found |= set(unit.names())
    found |= {s.title for s in statuses(built) if s.title}
    return found


def visible_text(page: str) -> str:
    tree = lxml.html.fromstring(page)
    for node in tree.xpath("//style"):
        node.drop_tree()
    return " ".join([*(t.strip() for t in tree.itertext()), *tree.xpath("//@title"), *tree.xpath("//@aria-label")])


def test_pages_and_links(built: Built) -> None:
    pages = {p.name for p in built.zh.glob("*.html")}
    streets = {s.street_key for s in statuses(built)}
    assert pages == {"index.html", district_page("wuchang"), *(street_page("wuchang", k) for k in streets)}
    assert len(streets) == 14
    assert pages == {p.name for p in built.en.glob("*.html")}
    store = open_store(str(built.archive))
    assert store.get("_dashboard/index.html") == (built.en / "index.html").read_bytes()  # the last one written
    for name in pages:  # every link between the pages leads to a page that exists; nothing is fetched
        tree = lxml.html.fromstring((built.zh / name).read_text(encoding="utf-8"))
        assert not tree.xpath("//script | //link | //img | //iframe | //*[@src]"), name
        local = [h.split("#")[0] for h in tree.xpath("//a/@href") if not h.startswith(("http", "#"))]
        assert set(local) <= pages, name
    overview = lxml.html.fromstring((built.zh / "index.html").read_text(encoding="utf-8"))
    assert district_page("wuchang") in overview.xpath("//a/@href")
    assert {street_page("wuchang", k) for k in streets} <= set(overview.xpath("//a/@href"))
    district = lxml.html.fromstring((built.zh / district_page("wuchang")).read_text(encoding="utf-8"))
    assert "index.html" in district.xpath("//nav//a/@href")
    assert {street_page("wuchang", k) for k in streets} <= set(district.xpath("//a/@href"))
    street = lxml.html.fromstring((built.zh / street_page("wuchang", "laj")).read_text(encoding="utf-8"))
    assert street.xpath("//nav//a/@href") == ["index.html", district_page("wuchang")]


def test_chart_of_the_on_time_share(built: Built) -> None:
    rows = statuses(built)
    shares = on_time_shares(rows, {"wuchang": "武昌区"})["武昌区"]
    for year, share in shares.items():  # the replica's truth: on time among the reports due
        due = [e for (_s, y), e in built.truth.items() if y == year]
        on_time = [e for e in due if e["published"] and e["page_date"] <= e["deadline"]]
        assert share == pytest.approx(len(on_time) / len(due)), year
    assert min(v for v in shares.values() if v is not None) < 1
    tree = lxml.html.fromstring((built.zh / "index.html").read_text(encoding="utf-8"))
    svg = tree.xpath("//svg[@role='img']")[0]
    assert svg.xpath("./title")[0].text == "各区历年按时公开比例"
    markers = svg.xpath(".//circle")
    assert len(markers) == len([v for v in shares.values() if v is not None]) + 1  # + the legend's
    table = svg.getparent().xpath("following-sibling::div[1]//table")[0]  # the same numbers, as a table
    cells = table.xpath(".//tbody/tr/td/text()")
    assert cells == [f"{v:.0%}" if v is not None else "—" for _y, v in sorted(shares.items())]


def test_street_page_versions_diff_values_findings(built: Built) -> None:
    entry = built.edited
    page = (built.zh / street_page("wuchang", entry["street_key"])).read_text(encoding="utf-8")
    text = visible_text(page)
    assert f"{entry['year']}年度报告：" in text and "历年年报" in text
    # The silently edited file: its second version with the table cells that changed (crawler/edits.py).
    assert "发布后被修改；变化的表格单元格：" in text
    assert re.search(r"t3_new_natural: (\d+) → (\d+)", text)
    before, after = (int(v) for v in re.search(r"t3_new_natural: (\d+) → (\d+)", text).groups())  # type: ignore[union-attr]
    assert after == before + 1
    # The report's table values (table 3 with the template's labels) and its findings.
    assert "表三" in text and "一、本年新收政府信息公开申请数量" in text and "自然人" in text
    assert "审核发现" in text
    broken = next(e for e in built.truth.values() if e["published"] and e["broken_rules"])
    other = visible_text((built.zh / street_page("wuchang", broken["street_key"])).read_text(encoding="utf-8"))
    assert all(f"{rule}" in other for rule in broken["broken_rules"])


def test_every_text_in_one_language(built: Built) -> None:
    """Dashboard pages, status table and JSON, alerts: Chinese with no English words but names and codes;
    English with no Chinese but names; every message from the catalogs."""
    zh, en = Translator("zh_CN", _catalog("zh_CN")), Translator("en", _catalog("en"))
    chinese_names = names(built)
    for name in sorted(p.name for p in built.zh.glob("*.html")):
        chinese = visible_text((built.zh / name).read_text(encoding="utf-8"))
        english = visible_text((built.en / name).read_text(encoding="utf-8"))
        assert english_words(chinese) == [], name
        assert han(english, chinese_names) == [], name
        assert f'lang="{"zh-CN"}"' in (built.zh / name).read_text(encoding="utf-8")
        assert 'lang="en"' in (built.en / name).read_text(encoding="utf-8")
    rows = statuses(built)
    assert english_words(as_table(rows, zh)) == [] and han(as_table(rows, en), chinese_names) == []
    zh_json, en_json = json.loads(as_json(rows, zh)), json.loads(as_json(rows, en))
    assert [set(r) for r in zh_json] == [set(r) for r in en_json] == [set(s.to_json()) for s in rows]
    assert [r["status"] for r in zh_json] == [r["status"] for r in en_json]
    assert all(english_words(r["reason"]) == [] for r in zh_json)
    assert all(han(r["reason"], chinese_names) == [] for r in en_json)
    store, registry = open_store(str(built.archive)), default_registry()
    for lang, _ in (("zh", zh), ("en", en)):
        empty: dict[str, Any] = {"status": {}, "edits": [], "health": [], "digest": {}}
        due = plan(rows, registry, store, empty, dt.date.fromisoformat(TODAY), AlertConfig(digest=True), _)
        assert {m.key.split("|")[-1] for m in due.messages} >= {"missing", "late"}
        text = "\n".join(f"{m.title}\n{m.body}" for m in due.messages)
        assert (english_words(text) if lang == "zh" else han(text, chinese_names)) == [], text
    assert zh.missing == set() and en.missing == set()


def _check_layout(page: Page, width: int) -> None:
    """No horizontal scrolling of the page; headings and table headers marked up for screen readers."""
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth"), width
    assert page.locator("h1").count() == 1
    assert page.locator("th:not([scope])").count() == 0
    assert page.locator("table").count() == page.locator("table > caption").count() > 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dashboard_in_chromium(built: Built, lang: str) -> None:
    out = built.zh if lang == "zh" else built.en
    missing = sorted(k for k, e in built.truth.items() if not e["published"])
    errors: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    pages = ["index.html", district_page("wuchang"), street_page("wuchang", built.edited["street_key"])]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--disable-background-networking", "--disable-component-update", "--no-first-run"],
        )
        for width, height in ((1400, 900), (390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: errors.append(r.url) if not r.url.startswith("file:") else None)
            for name in pages:
                page.goto((out / name).as_uri())
                assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
                _check_layout(page, width)
                page.screenshot(path=str(ARTIFACTS / f"dashboard-{lang}-{width}-{name.removesuffix('.html')}.png"),
                                full_page=True)  # fmt: skip
            page.close()
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto((out / "index.html").as_uri())
        if lang == "zh":
            assert page.title() == "nianbao — 街道政府信息公开工作年度报告公开情况"
        rows = page.locator("table.heatmap tr")
        assert rows.count() == 15  # header + 14 streets
        assert page.locator("table.heatmap td.s-missing").count() == len(missing) >= 3
        # The cell of each missing street-year is in that street's row, in that year's column.
        years = [int(t) for t in page.locator("table.heatmap thead th").all_inner_texts()[1:]]
        for street, year in missing:
            row = page.locator(f"table.heatmap tr:has(th.street a:text-is('{street}'))")
            assert row.locator("td").nth(years.index(year)).inner_text() == ("未公开" if lang == "zh" else "missing")
        if lang == "zh":
            assert page.locator("table.list").first.inner_text().count("列表页 sha256") >= len(missing)
            # Each report the replica broke a template rule in lists that rule among its findings.
            findings = page.locator("h3:text-is('年报内容审核发现') + div table tr")
            broken = [e for e in built.truth.values() if e["published"] and e["broken_rules"]]
            assert len(broken) >= 5
            for entry in broken:
                row = findings.filter(has=page.locator(f"th a:text-is('{entry['street']}')")).filter(
                    has=page.locator(f"td:text-is('{entry['year']}')")
                )
                text = row.inner_text()
                assert all(f"{rule} " in text for rule in entry["broken_rules"]), (entry["street"], entry["year"])
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        # From the overview to the district, to a street, and back.
        page.click(f"h2 a[href='{district_page('wuchang')}']")
        assert page.url.endswith(district_page("wuchang"))
        page.locator("table.heatmap th.street a").first.click()
        assert "street-wuchang-" in page.url
        page.locator("nav.crumbs a").first.click()
        assert page.url.endswith("index.html")
        browser.close()
    assert errors == []
