"""Each replica host draws its own metadata block above a report (docs/portals.md §2), from the replica's
own data (replica/reality.py), and the crawler's detail parser reads the same facts back from it."""

from __future__ import annotations

import pytest

from crawler.parsers.detail import parse_detail
from replica.site import Site

SITE = Site(seed=0, portals=("wuchang", "qiaokou", "jianghan"))


def _first_report(portal: str) -> tuple[str, str]:
    pub = next(p for p in SITE.world.publications if p.portal == portal and p.kind == "report")
    resource = SITE.get(pub.url)
    assert resource.status == 200
    return pub.url, resource.body.decode("utf-8")


def test_wuchang_pages_carry_the_district_index_number() -> None:
    url, page = _first_report("wuchang")
    assert '<table class="xxgk-table">' in page and "公开日期:" in page
    detail = parse_detail(page, url)
    assert detail.index_no is not None and detail.index_no.startswith("737546075/")
    assert detail.page_date_label == "公开日期"


@pytest.mark.parametrize(("portal", "marker", "label"), [("qiaokou", "发布时间:", "发布时间"),
                                                         ("jianghan", "发布时间: |", "更新时间")])  # fmt: skip
def test_other_hosts_draw_their_own_block(portal: str, marker: str, label: str) -> None:
    url, page = _first_report(portal)
    assert marker in page and "索&nbsp;引&nbsp;号" not in page
    detail = parse_detail(page, url)
    assert detail.index_no is None
    assert detail.page_date_label == label
