"""Status, exports and the dashboard key units by NBS code and keep their names; the Hubei units no portal
covers are `unknown`, never `missing`, with their county portal where known."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

from crawler.compliance import judge, unlisted
from crawler.dashboard import build_site, district_page, street_page
from crawler.export import COLUMNS, nbs_codes, report_row
from crawler.i18n import translator
from crawler.records import ArchivedReport
from crawler.registry import DEFAULT_PATH, default_registry, load_registry
from crawler.store import LocalStore
from crawler.units import nbs_units
from tests.support import scrapy

TODAY = dt.date(2025, 6, 1)


def test_unlisted_hubei_units_are_unknown_with_their_county_portal() -> None:
    rows = unlisted(default_registry(), nbs_units(), "42", TODAY, years=[2024])
    # 1,281 Hubei units owe a report (1,259 街道/镇/乡 and 22 street offices in the other range); the
    # registry carries 339 of them: 154 on Wuhan's portals, 185 on the 12 county portals of config/hubei.yaml.
    assert len(rows) == 1281 - 339
    assert {r.status for r in rows} == {"unknown"} and {r.portal for r in rows} == {""}
    by_code = {r.nbs: r for r in rows}
    assert "420106005000" not in by_code  # 粮道街道 is crawled by wuchang
    assert "420281200000" not in by_code  # 茗山乡 of 大冶市 is crawled by hbdaye
    assert str(by_code["420502001000"].reason) == "no portal of 西陵区 is configured"
    jinshui = by_code["420115008000"]
    assert str(jinshui.reason) == "not in the registry of the county's portal jiangxia, wehdz"
    # 罗汉寺办事处 of 京山市: the county's portal is configured, but config/hubei.yaml has no entry with its code.
    assert str(by_code["420882451000"].reason) == "not in the registry of the county's portal jingshan"
    assert Counter(r.evidence["coverage"] for r in rows) == {"not_covered": 924, "not_listed": 18}
    # A county without a configured portal whose portal the research saw (大冶市, were config/portals.yaml
    # the whole registry): the reason names the host, so that configuring it is the next step.
    wuhan = {r.nbs: r for r in unlisted(load_registry(DEFAULT_PATH), nbs_units(), "420281", TODAY, years=[2024])}
    mingshan = wuhan["420281200000"]
    assert (mingshan.street, mingshan.street_key, mingshan.legal_district) == ("茗山乡", "420281200000", "大冶市")
    assert str(mingshan.reason) == "no portal of 大冶市 is configured; its county portal is www.hbdaye.gov.cn"
    assert translator("zh_CN").text(mingshan.reason) == "大冶市的门户未配置；其县级门户为 www.hbdaye.gov.cn"
    assert mingshan.evidence["county_spider"] == "hbdaye" and mingshan.deadline == dt.date(2025, 1, 31)


def test_status_rows_carry_the_nbs_code(tmp_path: Path) -> None:
    statuses = judge(default_registry(), LocalStore(tmp_path), TODAY, years=[2024], portals=["wuchang", "jianghan"])
    by_name = {s.street: s for s in statuses}
    assert by_name["粮道街道"].nbs == "420106005000" and by_name["粮道街道"].to_json()["nbs"] == "420106005000"
    assert by_name["常青街道"].nbs == "420103012000"
    assert by_name["花楼水塔街道"].nbs is None  # no NBS 2023 row (merged after the edition)


def test_scrapy_status_province_42(tmp_path: Path) -> None:
    archive = str(tmp_path / "archive")  # nothing crawled
    args = ("status", "--province", "42", "--year", "2024", "--today", "2025-06-01", "-s", f"STORE_URI={archive}")
    proc = scrapy(*args, "--format", "json")
    rows = json.loads(proc.stdout)
    assert proc.returncode == 0 and "missing" not in {r["status"] for r in rows}
    # The registry's units (156 Wuhan streets, 185 units of the Hubei county portals), then the units no
    # entry carries.
    assert len(rows) == 156 + 185 + 942
    laj = next(r for r in rows if r["portal"] == "wuchang" and r["street"] == "粮道街道")
    assert (laj["nbs"], laj["street_key"], laj["status"]) == ("420106005000", "laj", "unknown")
    # A Hubei county portal never crawled: its units are unknown, never missing.
    daye = [r for r in rows if r["portal"] == "hbdaye"]
    assert len(daye) == 16 and {r["status"] for r in daye} == {"unknown"}
    mingshan = next(r for r in daye if r["nbs"] == "420281200000")
    assert (mingshan["street"], mingshan["legal_district"]) == ("茗山乡", "大冶市")
    assert mingshan["reason"] == "该街道的栏目从未抓取"  # the street's column was never crawled
    xiling = next(r for r in rows if r["nbs"] == "420502001000")
    assert (xiling["portal"], xiling["status"], xiling["reason"]) == ("", "unknown", "西陵区的门户未配置")
    table = csv.DictReader(io.StringIO(scrapy(*args, "--format", "csv").stdout))
    assert table.fieldnames is not None and table.fieldnames[:5] == ["portal", "street", "street_key", "nbs",
                                                                      "legal_district"]  # fmt: skip
    text = scrapy(*args).stdout
    assert "\n西陵区 420502\n" in text and "\nwuchang\n" in text and "\nhbdaye\n" in text
    assert "\n大冶市 420281\n" not in text  # its units are hbdaye's
    bad = scrapy("status", "--province", "99", "-s", f"STORE_URI={archive}", check=False)
    assert bad.returncode != 0 and "no NBS 2023 province with code '99'" in bad.stdout + bad.stderr


def test_export_row_has_the_code_and_the_name() -> None:
    meta = {"portal": "wuchang", "street": "粮道街道", "street_key": "laj", "legal_district": "武昌区", "year": 2024}
    codes = nbs_codes(default_registry())
    row = report_row(ArchivedReport("wuchang/laj/2024", meta, {}), codes)
    assert COLUMNS[:5] == ("portal", "street", "street_key", "nbs", "legal_district")
    assert (row["street"], row["nbs"]) == ("粮道街道", "420106005000")
    # A code the report's own metadata carries wins; without a registry the column stays empty.
    assert report_row(ArchivedReport("", {**meta, "nbs": "420106005000"}, {}))["nbs"] == "420106005000"
    assert report_row(ArchivedReport("", meta, {}))["nbs"] is None
    assert codes[("whkfq", "沌口街道")] == "420114070000"
    assert codes[("hbdaye", "茗山乡")] == "420281200000"  # the Hubei county portals' reports too


def test_dashboard_street_page_shows_the_code(tmp_path: Path) -> None:
    registry, store = default_registry(), LocalStore(tmp_path)
    statuses = judge(registry, store, TODAY, years=[2024], portals=["wuchang"])
    zh = build_site(registry, store, statuses, TODAY, translator("zh_CN"))
    en = build_site(registry, store, statuses, TODAY, translator("en"))
    page = street_page("wuchang", "laj")
    assert '<h1>粮道街道 <span class="small">武昌区 · 区划代码 420106005000</span></h1>' in zh[page]
    assert "武昌区 · NBS code 420106005000" in en[page]
    assert 'title="区划代码 420106005000">粮道街道</a>' in zh["district-wuchang.html"]


def test_scrapy_dashboard_province_42_has_a_page_per_county(tmp_path: Path) -> None:
    """`scrapy dashboard --province 42`: like `scrapy status --province 42`, the Hubei units no portal covers
    are `unknown`, on a page per county beside the portals' pages."""
    out, archive = tmp_path / "site", tmp_path / "archive"  # nothing crawled
    args = ("dashboard", "--portal", "hbdaye", "--year", "2024", "--today", "2025-06-01", "-s", f"STORE_URI={archive}")
    scrapy(*args, "--province", "42", "--out", str(out))
    pages = {p.name for p in out.glob("*.html")}
    counties = {p for p in pages if p.startswith("district-") and p != district_page("hbdaye")}
    # The overview, hbdaye's page and its 16 units' pages; 89 counties with the 942 units no entry carries.
    assert len(counties) == 89 and len(pages) == 1 + 1 + 16 + 89 + 942
    xiling = (out / district_page("420502")).read_text(encoding="utf-8")
    assert '<h1>西陵区 <span class="small"></span></h1>' in xiling and "未知 10" in xiling
    street = (out / street_page("420502", "420502001000")).read_text(encoding="utf-8")
    assert '<h1>西陵街道 <span class="small">西陵区 · 区划代码 420502001000</span></h1>' in street
    assert "西陵区的门户未配置" in street
    daye = (out / district_page("hbdaye")).read_text(encoding="utf-8")
    assert '<h1>大冶市 <span class="small">www.hbdaye.gov.cn</span></h1>' in daye and "未知 16" in daye
    assert "未公开 0" in daye  # never crawled: nothing is missing
    bad = scrapy("dashboard", "--province", "99", "--out", str(out), "-s", f"STORE_URI={archive}", check=False)
    assert bad.returncode != 0 and "no NBS 2023 province with code '99'" in bad.stdout + bad.stderr
