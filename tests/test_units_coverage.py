"""Which NBS units the registry covers (crawler/units_coverage.py) and `scrapy units`, with concrete values."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from crawler.commands.units import as_table
from crawler.i18n import translator
from crawler.registry import DEFAULT_PATH, default_registry, load_registry
from crawler.units import nbs_units
from crawler.units_coverage import configured_counties, county_portals, coverage, parse_county_portals
from tests.support import scrapy


def test_hubei_coverage_by_state() -> None:
    nbs, registry = nbs_units(), default_registry()  # config/portals.yaml and config/hubei.yaml
    found = coverage(registry, nbs, nbs.in_province("42"))
    assert len(found) == 1475
    # 154 units carried by Wuhan's portals and 185 by the 12 county portals of config/hubei.yaml.
    assert Counter(c.state for c in found) == {"covered": 339, "not_listed": 83, "not_covered": 1053}
    by_code = {c.unit.code: c for c in found}
    assert by_code["420106005000"].portals == ("wuchang",) and by_code["420106005000"].state == "covered"
    # NBS 洪山街街道 is the registry's 洪山街道; NBS 李集街道 of 黄陂 is the registry's 李家集街道.
    assert by_code["420111007000"].registry_name == "洪山街道"
    assert by_code["420116010000"].registry_name == "李家集街道"
    # A 开发区 street coded under another district is covered by the zone's portal.
    assert by_code["420111080000"].portals == ("wehdz",)
    # 金水街道 of 江夏区: the county has portals, but no entry lists it.
    assert (by_code["420115008000"].state, by_code["420115008000"].portals) == ("not_listed", ("jiangxia", "wehdz"))
    mingshan = by_code["420281200000"]  # 茗山乡 of 大冶市: crawled by the hbdaye spider
    assert (mingshan.state, mingshan.portals, mingshan.county_portal) == ("covered", ("hbdaye",), None)
    farm = by_code["420281401000"]  # 东风农场管理区 of 大冶市: the county's portal lists no such unit
    assert (farm.state, farm.portals) == ("not_listed", ("hbdaye",))
    xiling = by_code["420502001000"]  # 宜昌 西陵区: no portal configured, none seen
    assert (xiling.state, xiling.county_portal) == ("not_covered", None)
    assert configured_counties(registry, nbs)["420113"] == ("whkfq",)  # 汉南区: only through 经开区
    assert configured_counties(registry, nbs)["420281"] == ("hbdaye",)


def test_an_unconfigured_county_names_its_portal_host() -> None:
    """Without config/hubei.yaml, 大冶市 has no portal configured: its units name the host the research saw."""
    nbs = nbs_units()
    [mingshan] = coverage(load_registry(DEFAULT_PATH), nbs, [nbs.units["420281200000"]])
    assert mingshan.state == "not_covered" and mingshan.county_portal is not None
    assert (mingshan.county_portal.host, mingshan.county_portal.spider) == ("www.hbdaye.gov.cn", "hbdaye")


def test_county_portal_table() -> None:
    table = county_portals()
    assert len(table) == 12
    assert {p.spider for p in table.values()} == {
        "hbdaye", "yunyang", "lhk", "ych", "jingshan", "xianan", "zgtc", "chongyang", "guangshui", "xiantao",
        "hbqj", "tianmen",
    }  # fmt: skip
    assert all(code in nbs_units().counties and nbs_units().county(code).name == p.county for code, p in table.items())
    with pytest.raises(ValueError, match="line 2"):
        parse_county_portals("county_code,county,host,evidence\n4202,大冶市,www.hbdaye.gov.cn,\n")


def test_units_table_of_wuchang_in_both_languages() -> None:
    rows = coverage(default_registry(), nbs_units(), nbs_units().in_county("420106"))
    chinese = as_table(rows, translator("zh_CN")).splitlines()
    assert chinese[0].split() == ["代码", "名称", "类别", "县（市、区）", "门户"]
    assert chinese[4].split() == ["420106005000", "粮道街道", "街道", "武昌区", "420106", "wuchang"]
    assert chinese[15].split() == [
        "420106490000", "东湖风景区街道（武昌）", "其他", "武昌区", "420106", "wuchang", "未登记"
    ]  # fmt: skip
    assert chinese[-1] == "共 15 个单位：已覆盖 14 个，本县门户未登记 1 个，未覆盖 0 个"
    english = as_table(rows, translator("en")).splitlines()
    assert english[15].endswith("other  武昌区 420106  not listed by wuchang")
    assert english[-1] == "15 units: 14 covered, 1 not listed by their county's portal, 0 not covered"


def test_scrapy_units_command() -> None:
    hubei = json.loads(scrapy("units", "--province", "42", "--format", "json").stdout)
    assert len(hubei) == 1475
    assert Counter(r["kind"] for r in hubei) == {"街道": 339, "镇": 760, "乡": 160, "other": 216}
    assert Counter(r["state"] for r in hubei) == {"covered": 339, "not_listed": 83, "not_covered": 1053}
    mingshan = next(r for r in hubei if r["code"] == "420281200000")
    assert mingshan == {
        "code": "420281200000", "name": "茗山乡", "kind": "乡", "owes_report": True, "county_code": "420281",
        "county": "大冶市", "city": "黄石市", "province": "湖北省", "state": "covered", "portals": ["hbdaye"],
        "registry_name": None, "county_host": None, "county_spider": None,
    }  # fmt: skip
    xiling = next(r for r in hubei if r["code"] == "420502001000")  # 西陵街道 of 宜昌 西陵区: no portal known
    assert (xiling["state"], xiling["portals"], xiling["county_host"]) == ("not_covered", [], None)
    daye = scrapy("units", "--county", "420281").stdout.splitlines()
    assert daye[-1] == "共 18 个单位：已覆盖 16 个，本县门户未登记 2 个，未覆盖 0 个"
    assert daye[1].split() == ["420281001000", "东岳路街道", "街道", "大冶市", "420281", "hbdaye"]
    # With the Wuhan registry alone, 大冶市 is a county not configured yet: its units name its portal host.
    wuhan = scrapy("units", "--county", "420281", "-s", "REGISTRY_PATH=config/portals.yaml").stdout.splitlines()
    assert wuhan[-1] == "共 18 个单位：已覆盖 0 个，本县门户未登记 0 个，未覆盖 18 个"
    assert "未覆盖（县级门户 www.hbdaye.gov.cn）" in wuhan[1]
    bad = scrapy("units", "--county", "429999", check=False)
    assert bad.returncode != 0 and "no NBS 2023 county with code '429999'" in bad.stderr + bad.stdout
