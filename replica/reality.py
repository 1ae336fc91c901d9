"""What the replica's portals really look like where the research could not see.

The registry records what is known; reality must also exist for what is not: the annual-report
columns of 汉阳, 青山, 东西湖, 蔡甸, 江夏, 黄陂 and 新洲 (invented here in each host's observed path
style, docs/portals.md §4.8), folder codes of streets whose code was never seen, the
navigation that leads to them, and the portal that sits behind a JavaScript cookie challenge. The
spiders must FIND these through navigation; they are never copied into config/portals.yaml.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from crawler.registry import Portal, Registry, Unit


def stable_seed(*parts: object) -> int:
    """A seed that is the same in every process and Python version (unlike hash())."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


# Invented annual-report columns (INFERRED styles: 汉阳 zwgk_38, 青山 qzfbm/<group>, 东西湖 upper-case
# ZWGK/bmxxgk, 蔡甸 qgdwxxgk, 江夏 xxgk_22343/<topic>_<id>, 黄陂 .html, 新洲 乡镇(街道)信息公开平台).
INVENTED_COLUMNS = {
    "hanyang": ("https://www.hanyang.gov.cn/zwgk_38/jdxxgk/{code}/zfxxgknb/", "/zwgk_38/", "/zwgk_38/jdxxgk/"),
    "qingshan": ("https://www.qingshan.gov.cn/qzfbm/jdbsc/{code}/zfxxgkgzndbg/", "/zfxxgk/", "/qzfbm/jdbsc/"),
    "dongxihu": ("https://www.dxh.gov.cn/ZWGK/bmxxgk/jdxxgk/{code}/ZFXXGKNB/", "/ZWGK/", "/ZWGK/bmxxgk/jdxxgk/"),
    "caidian": ("https://www.caidian.gov.cn/qgdwxxgk/jdxxgk/{code}/zfxxgknb/", "/qgdwxxgk/", "/qgdwxxgk/jdxxgk/"),
    "jiangxia": (
        "https://www.jiangxia.gov.cn/xxgk_22343/xzjdxxgk_22410/{code}/zfxxgknb/",
        "/xxgk_22343/",
        "/xxgk_22343/xzjdxxgk_22410/",
    ),
    "huangpi": ("https://www.huangpi.gov.cn/xxgk/jdxxgk/{code}/zfxxgknb/", "/xxgk/", "/xxgk/jdxxgk/"),
    "xinzhou": ("https://www.whxinzhou.gov.cn/zwgk/xzjdxxgkpt/{code}/zfxxgknb/", "/zwgk/", "/zwgk/xzjdxxgkpt/"),
}
# Each host's metadata block above a report's text, as the research saw it (docs/portals.md, "Detail
# pages"); replica/pages.py renders them. The crawler reads every known date label whatever the
# block, so this is the replica's knowledge only, not the registry's. Absent: a generic TRS block.
DETAIL_BLOCKS = {
    "wuchang": "wuchang_meta",  # 名称 / 发布机构 / 文号 / 索引号 / 公开日期
    "qiaokou": "qiaokou_meta",  # 更新时间 / 发布时间 / 来源
    "hongshan": "hongshan_meta",  # 日期 / 来源
    "jianghan": "jianghan_meta",  # 更新时间 (发布时间 left empty)
    "qingshan": "qingshan_meta",  # 索引号 / 发布日期 / 发布机构
    "wehdz": "wehdz_meta",  # • YYYY-MM-DD HH:MM • 来源:
    "whdonghu": "jianghan_meta",  # 更新时间 (发布时间 empty), same block as 江汉
}
# The 索引号 prefix (the publishing body's organisation code) of hosts whose blocks show an index
# number: PREFIX/YYYY-NNNNN (replica/site.py numbers them).
INDEX_NO_PREFIXES = {"wuchang": "737546075", "qingshan": "733569413"}
# Navigation link texts on the invented portals (the spider looks for 政府信息公开 and 街道 in them).
NAV_TEXTS = ("政府信息公开", "乡镇（街道）信息公开")
# The portal served behind a 加速乐-style cookie challenge (HTTP 521 + a script that sets a cookie
# and reloads): only a real browser gets through.
CHALLENGE_PORTAL = "whdonghu"


@dataclass(frozen=True)
class RealStreet:
    unit: Unit
    code: str | None  # None on per-year portals
    channel: str | None
    column: str | None  # column folder URL (per-street portals)


@dataclass(frozen=True)
class RealPortal:
    portal: Portal
    column: str
    streets: tuple[RealStreet, ...]
    street_index: str | None  # the page listing every street's folder
    nav: tuple[tuple[str, str], ...]  # (link text, URL) from the home page down to street_index
    challenge: bool


def _invented_code(portal: Portal, unit: Unit, n: int) -> tuple[str, str | None]:
    channel = str(40000 + stable_seed(portal.id, unit.name) % 30000)
    if portal.id == "wehdz":
        return f"jd{n:02d}", channel  # wehdz carries the channel in the column, not the folder
    if portal.id in ("jianghan", "jiangxia", "xinzhou", "hanyang"):
        return f"jd{n:02d}_{channel}", None  # TRS name_<channelid> folders
    return f"jd{n:02d}", None


def real_portals(registry: Registry) -> dict[str, RealPortal]:
    result: dict[str, RealPortal] = {}
    for portal in registry.portals.values():
        invented = INVENTED_COLUMNS.get(portal.id)
        column = portal.column or (invented[0] if invented else None)
        if column is None:
            continue
        streets: list[RealStreet] = []
        for n, unit in enumerate(portal.streets, 1):
            if portal.layout == "per_year":
                streets.append(RealStreet(unit, None, None, None))
                continue
            code, channel = (unit.code, unit.channel) if unit.code else _invented_code(portal, unit, n)
            streets.append(RealStreet(unit, code, channel, column.format(code=code, channel=channel or "")))
        nav: tuple[tuple[str, str], ...] = ()
        index = None
        base = f"{portal.scheme}://{portal.host}"
        if invented:
            nav = ((NAV_TEXTS[0], base + invented[1]), (NAV_TEXTS[1], base + invented[2]))
            index = base + invented[2]
        elif portal.discovery is not None:
            index = portal.discovery.start
        result[portal.id] = RealPortal(portal, column, tuple(streets), index, nav, portal.id == CHALLENGE_PORTAL)
    return result
