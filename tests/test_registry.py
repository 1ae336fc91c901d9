"""config/portals.yaml: what the research found is carried over, and a bad file says where it is bad."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from crawler.registry import DEFAULT_PATH, EXTRA_PATHS, RegistryError, default_registry, load_registry, registry_spec


def test_every_researched_portal_and_status_is_carried_over() -> None:
    registry = load_registry(DEFAULT_PATH)  # config/portals.yaml alone (config/hubei.yaml: tests/test_families.py)
    assert sorted(registry.portals) == sorted(
        ["wuchang", "qiaokou", "hongshan", "jiangan", "jianghan", "hanyang", "qingshan", "dongxihu",
         "caidian", "jiangxia", "huangpi", "xinzhou", "wehdz", "whkfq", "whdonghu"]
    )  # fmt: skip
    wuchang = registry.portal("wuchang")
    assert wuchang.host == "www.wuchang.gov.cn" and wuchang.ext == "html"
    assert [s.code for s in wuchang.streets] == [
        "yyj", "znlj", "xjpj", "laj", "ljsj", "sylj", "jyqj", "sghj", "nhj", "zhlj", "hhlj", "zyj", "bszj", "sdj"
    ]  # fmt: skip
    status = {s.code: s.status for s in wuchang.streets}
    assert status["laj"] == "seen" and status["sdj"] == "inferred" and status["jyqj"] == "seen"
    assert wuchang.street_column(wuchang.unit("laj")) == "https://www.wuchang.gov.cn/xxgk/laj/zfxxgknb/"
    qiaokou = registry.portal("qiaokou")
    assert [s.name for s in qiaokou.streets if s.status == "unverified"] == [
        "古田街道", "宝丰街道", "汉中街道", "六角亭街道", "长丰街道"
    ]  # fmt: skip
    assert len(qiaokou.crawlable_streets()) == 6
    wehdz = registry.portal("wehdz")
    gdj = wehdz.unit("gdj")
    assert wehdz.street_column(gdj) == "https://www.wehdz.gov.cn/2022/zfxxgk/dfbm/gdj/zfxxgkndbg_44101/"
    assert wehdz.legal_district_of(gdj) == "江夏区"
    assert registry.portal("whkfq").year_column(2024) == "https://www.whkfq.gov.cn/xxgk/zfxxgkndbg/2024/jdbsc/"


def test_the_registry_is_every_file_the_spiders_crawl(monkeypatch: pytest.MonkeyPatch) -> None:
    """One registry for the whole project: what the spiders crawl is what status, units, the dashboard,
    alerts and exports judge — config/portals.yaml and config/hubei.yaml, unless a setting or
    $NIANBAO_REGISTRY names other files."""
    monkeypatch.delenv("NIANBAO_REGISTRY", raising=False)
    assert registry_spec() == os.pathsep.join([str(DEFAULT_PATH), str(EXTRA_PATHS[0])])
    registry = default_registry()
    assert len(registry.portals) == 27 and registry.portal("hbdaye").unit("茗山乡").nbs == "420281200000"
    assert list(load_registry().portals) == list(registry.portals)  # Wuhan's portals first
    assert default_registry() is registry  # the default files are read once
    monkeypatch.setenv("NIANBAO_REGISTRY", str(DEFAULT_PATH))
    assert len(default_registry().portals) == 15 and "hbdaye" not in load_registry().portals
    assert len(default_registry(str(EXTRA_PATHS[0])).portals) == 12  # a setting wins over the variable


def test_deadline_rule_and_per_portal_override(tmp_path: Path) -> None:
    registry = load_registry()
    assert registry.deadline_for(registry.portal("wuchang"), 2024) == dt.date(2025, 1, 31)
    assert registry.late_error_after_for(registry.portal("wuchang"), 2024) == dt.date(2025, 3, 31)
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["portals"]["wuchang"]["deadline"] = {"month": 2, "day": 20}
    path = tmp_path / "portals.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    changed = load_registry(path)
    assert changed.deadline_for(changed.portal("wuchang"), 2024) == dt.date(2025, 2, 20)
    assert changed.deadline_for(changed.portal("qiaokou"), 2024) == dt.date(2025, 1, 31)


def _broken(tmp_path: Path, mutate) -> str:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    return str(err.value)


def test_bad_file_names_file_entry_and_key(tmp_path: Path) -> None:
    def hostile_code(raw: dict) -> None:
        raw["portals"]["wuchang"]["streets"][3]["code"] = "../etc"

    message = _broken(tmp_path, hostile_code)
    assert str(tmp_path / "bad.yaml") in message
    assert "portals.wuchang.streets.3.code" in message and "粮道街道" in message

    def bad_status(raw: dict) -> None:
        raw["portals"]["qiaokou"]["streets"][0]["status"] = "maybe"

    assert "portals.qiaokou.streets.0.status" in _broken(tmp_path, bad_status)

    def column_without_code(raw: dict) -> None:
        raw["portals"]["hongshan"]["column"] = "https://www.hongshan.gov.cn/jxbm/xxgknb/"

    assert "needs {code}" in _broken(tmp_path, column_without_code)

    def unknown_key(raw: dict) -> None:
        raw["portals"]["wuchang"]["colum"] = "typo"

    assert "portals.wuchang.colum" in _broken(tmp_path, unknown_key)

    def years_reversed(raw: dict) -> None:
        raw["portals"]["jiangan"]["streets"][-1].update(since=2021, until=2020)

    message = _broken(tmp_path, years_reversed)
    assert "portals.jiangan.streets.15" in message and "塔子湖街道" in message
    assert "since (2021) is after until (2020)" in message


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("portals: [unclosed", encoding="utf-8")
    with pytest.raises(RegistryError, match="cannot read registry"):
        load_registry(path)
