"""The dashboard in a real headless Chromium: loads cleanly, shows the replica's statuses."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import sync_playwright

from crawler.replica.server import ReplicaServer
from crawler.replica.site import Site
from crawler.store import open_store
from tests.support import ROOT, crawl, scrapy

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def test_dashboard_in_chromium(replica: ReplicaServer, replica_site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    crawl("wuchang", replica.url, archive, settings={"EXTRACT_ENABLED": "True"})  # findings come from records
    out = tmp_path / "site"
    scrapy("dashboard", "--portal", "wuchang", "--today", "2026-11-24", "--out", str(out), "-s", f"STORE_URI={archive}")
    assert open_store(str(archive)).get("_dashboard/index.html") == (out / "index.html").read_bytes()

    truth = {(e["street"], e["year"]): e for e in replica_site.manifest()["reports"] if e["portal"] == "wuchang"}
    missing = sorted(k for k, e in truth.items() if not e["published"])
    errors: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--disable-background-networking", "--disable-component-update", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "index.html").as_uri())
        assert page.title() == "nianbao — 街道政府信息公开工作年度报告公开情况"
        rows = page.locator("table.heatmap tr")
        assert rows.count() == 15  # header + 14 streets
        cells = page.locator("table.heatmap td.s-missing")
        assert cells.count() == len(missing) >= 3
        # The cell of each missing street-year is in that street's row, in that year's column.
        years = [int(t) for t in page.locator("table.heatmap tr").first.locator("th").all_inner_texts()[1:]]
        for street, year in missing:
            row = page.locator("table.heatmap tr", has=page.locator(f"td.street:text-is('{street}')"))
            assert row.locator("td").nth(1 + years.index(year)).inner_text() == "未公开"
        assert page.locator("table.list").first.inner_text().count("列表页 sha256") >= len(missing)
        # Each report the replica broke a template rule in lists that rule among its findings.
        findings = page.locator("h3:text-is('年报内容审核发现') + table tr")
        broken = [e for e in truth.values() if e["published"] and e["broken_rules"]]
        assert len(broken) >= 5
        for entry in broken:
            row = findings.filter(has=page.locator(f"td:text-is('{entry['street']}')")).filter(
                has=page.locator(f"td:text-is('{entry['year']}')")
            )
            text = row.inner_text()
            assert all(f"{rule} " in text for rule in entry["broken_rules"]), (entry["street"], entry["year"], text)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        browser.close()
    assert errors == []
