"""Every Wuhan street of config/portals.yaml carries its NBS 2023 code (``nbs``), matched by name within its
legal district; the codes are unique and exist in the packaged registry."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawler.registry import DEFAULT_PATH, RegistryError, load_registry
from crawler.units import nbs_units, short_name

# Units with no single NBS 2023 row, each explained by a comment in config/portals.yaml.
WITHOUT_ROW = {
    ("wuchang", "武昌经开区管委会(滨江商务区管委会)"),  # not a township-level unit
    ("jianghan", "花楼水塔街道"),  # merged after 2023-06-30: NBS lists 花楼街街道 and 水塔街街道
    ("wehdz", "党政办公室"),  # a zone office
    ("whdonghu", "城乡工作办事处"),  # the zone is coded twice, 武昌 and 洪山 parts, in the other range
}
# NBS spells a few streets otherwise than the portals do.
NBS_SPELLING = {"李家集街道": "李集街道", "姚家集街道": "姚集街道", "蔡家榨街道": "蔡榨街道"}


def _units():
    registry = load_registry(DEFAULT_PATH)
    for portal in registry.portals.values():
        for unit in (*portal.streets, *portal.non_street_units):
            yield portal, unit


def test_every_crawlable_wuhan_street_has_a_unique_existing_code() -> None:
    nbs = nbs_units()
    codes = [u.nbs for _p, u in _units() if u.nbs]
    assert len(codes) == 154 and len(set(codes)) == len(codes)
    assert all(code in nbs.units and code.startswith("4201") for code in codes)
    for portal, unit in _units():
        if unit.status in ("seen", "inferred") and (portal.id, unit.name) not in WITHOUT_ROW:
            assert unit.nbs, f"{portal.id} {unit.name} has no nbs code"
    assert {(p.id, u.name) for p, u in _units() if not u.nbs} == WITHOUT_ROW


def test_each_code_is_the_streets_own_row() -> None:
    nbs = nbs_units()
    registry = load_registry(DEFAULT_PATH)
    for portal, unit in _units():
        if not unit.nbs:
            continue
        row = nbs.unit(unit.nbs)
        spellings = {short_name(n) for n in (*unit.names(), NBS_SPELLING.get(unit.name, unit.name))}
        assert short_name(row.name) in spellings, (portal.id, unit.name, row.name)
        district = portal.legal_district_of(unit)
        # 关东街道 (东湖高新) is coded under 洪山区 although it lies in 江夏区 by the registry.
        if unit.name != "关东街道":
            assert row.county_name == district, (portal.id, unit.name, row.county_name, district)
    wuchang = registry.portal("wuchang")
    assert wuchang.unit("laj").nbs == "420106005000"
    assert registry.portal("hongshan").unit("hsj").nbs == "420111007000"  # NBS: 洪山街街道
    assert registry.portal("whkfq").unit("沌口街道").nbs == "420114070000"
    assert registry.portal("wehdz").unit("gdj").nbs == "420111080000"


def test_a_bad_code_is_refused_with_the_street_named(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["portals"]["wuchang"]["streets"][3]["nbs"] = 420106005000  # unquoted: an int, not the 12-digit text
    path = tmp_path / "portals.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"portals\.wuchang\.streets\.3\.nbs \(street '粮道街道'\)"):
        load_registry(path)
    raw["portals"]["wuchang"]["streets"][3]["nbs"] = "42010600500"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match="12-digit NBS code"):
        load_registry(path)
