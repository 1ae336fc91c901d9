"""Report selection (crawler/selection.py): which listed row is a street's report for a year."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from crawler.parsers.listing import ListRow
from crawler.registry import default_registry
from crawler.selection import Chosen, Selection, Skipped, ToOpen, select_reports

WUCHANG = default_registry().portal("wuchang")
YANGYUAN = next(u for u in WUCHANG.streets if u.name == "杨园街道")
ZHONGNANLU = next(u for u in WUCHANG.streets if u.name == "中南路街道")
COLUMN = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"


def row(path: str, title: str, truncated: bool = False) -> ListRow:
    return ListRow(f"{COLUMN}{path}", title, dt.date(2025, 1, 10), truncated)


OLD_2024 = row("202501/t20250110_2500001.html", "武昌区杨园街道2024年政府信息公开工作年度报告")
NEW_2024 = row("202501/t20250120_2500009.html", "武昌区杨园街道2024年政府信息公开工作年度报告（更正）")
Y2023 = row("202401/t20240112_2300005.html", "杨园街道2023年政府信息公开工作年度报告")
NOTICE = row("202403/t20240301_2310000.html", "杨园街道关于开展消防安全检查的通知")
CUT = row("202301/t20230111_2100000.html", "杨园街道2022年政府信息…", truncated=True)
CUT_NOTICE = row("202302/t20230201_2100100.html", "关于印发…的通知", truncated=True)
OFFSITE = ListRow("https://mp.weixin.qq.com/s/abc", "杨园街道2021年政府信息公开工作年度报告", None)
OTHER_STREET = row("202501/t20250111_2500002.html", "中南路街道2024年政府信息公开工作年度报告")


def test_every_publication_of_a_street_year_is_chosen_and_every_row_is_accounted_for() -> None:
    rows = [OLD_2024, Y2023, NOTICE, NEW_2024, CUT, CUT_NOTICE, OFFSITE]
    selection = select_reports(rows, WUCHANG, YANGYUAN)
    assert selection == Selection(
        # Both publications of 2024 are opened (reports never un-publish); the earlier names the later.
        chosen=(
            Chosen(OLD_2024, YANGYUAN, 2024, later=NEW_2024.url),
            Chosen(Y2023, YANGYUAN, 2023),
            Chosen(NEW_2024, YANGYUAN, 2024),
        ),
        to_open=(ToOpen(CUT, YANGYUAN),),
        skipped=(
            Skipped(NOTICE.url, NOTICE.title, "not an annual report"),
            Skipped(CUT_NOTICE.url, CUT_NOTICE.title, "not an annual report"),
            Skipped(
                OFFSITE.url,
                OFFSITE.title,
                "refused: off-site host mp.weixin.qq.com (the portal's hosts: www.wuchang.gov.cn)",
                "杨园街道",
                2021,
            ),
        ),
    )


def test_an_on_time_original_and_its_later_repost_are_both_opened() -> None:
    # The audit's case: the column lists the 更正版 re-post first, the on-time original below it.
    original = row("202501/t20250120_2518000.html", "杨园街道2024年政府信息公开工作年度报告")
    repost = row("202504/t20250426_2600000.html", "杨园街道2024年政府信息公开工作年度报告（更正版）")
    selection = select_reports([repost, original], WUCHANG, YANGYUAN)
    assert [(c.row.url, c.year, c.later) for c in selection.chosen] == [
        (repost.url, 2024, None),
        (original.url, 2024, repost.url),
    ]
    assert selection.skipped == ()


def test_rows_without_a_year_are_never_merged() -> None:
    # Two rows titled alike with no year (their pages carry 2023 and 2024): each is opened, none is the
    # other's earlier version, and the page gives the year.
    short = "杨园街道政府信息公开工作年度报告"
    newer, older = row("202501/t20250120_2518000.html", short), row("202401/t20240119_2350000.html", short)
    selection = select_reports([newer, older], WUCHANG, YANGYUAN)
    assert selection.chosen == (Chosen(newer, YANGYUAN, None), Chosen(older, YANGYUAN, None))
    assert selection.skipped == () and selection.to_open == ()


def test_the_same_url_listed_twice_is_chosen_once() -> None:
    selection = select_reports([NEW_2024, OLD_2024, NEW_2024], WUCHANG, YANGYUAN)
    assert selection.chosen == (Chosen(NEW_2024, YANGYUAN, 2024), Chosen(OLD_2024, YANGYUAN, 2024, later=NEW_2024.url))
    assert selection.skipped == ()


def test_a_row_naming_another_street_is_that_streets_candidate() -> None:
    selection = select_reports([OTHER_STREET, OLD_2024], WUCHANG, YANGYUAN)
    assert [(c.unit.key, c.year, c.row.url) for c in selection.chosen] == [
        ("znlj", 2024, OTHER_STREET.url),
        ("yyj", 2024, OLD_2024.url),
    ]


def test_a_per_year_column_needs_a_street_in_the_title() -> None:
    district = row("202501/t20250115_2500100.html", "武昌区人民政府2024年政府信息公开工作年度报告")
    selection = select_reports([district, OTHER_STREET], WUCHANG, None)
    assert selection.chosen == (Chosen(OTHER_STREET, ZHONGNANLU, 2024),)
    assert selection.skipped == (Skipped(district.url, district.title, "no registered street named"),)
    cut = row("202501/t20250116_2500101.html", "", truncated=False)
    assert select_reports([cut], WUCHANG, None).to_open == (ToOpen(cut, None),)


def test_a_title_cut_to_a_width_without_an_ellipsis_is_opened() -> None:
    """A template that cuts titles to N characters and adds nothing: 'stops inside the statutory name' is the
    only sign. Whole titles of other documents, or cut ones without a year, are not opened."""
    titles = (
        "武昌区杨园街道2024年政府信息公开工作年度报",
        "杨园街道2024年度政府信息公开",
        "杨园街道2024年信息公开工作年度",
    )
    cut = [row(f"202501/t2025011{i}_250020{i}.html", title) for i, title in enumerate(titles)]
    assert select_reports(cut, WUCHANG, YANGYUAN).to_open == tuple(ToOpen(r, YANGYUAN) for r in cut)
    others = [
        row("202501/t20250120_2500301.html", "杨园街道2024年度部门预算公开"),
        row("202501/t20250120_2500302.html", "杨园街道关于政府信息公开工作的通知"),
        row("202501/t20250120_2500303.html", "杨园街道政府信息公开指南"),
        row("202501/t20250120_2500304.html", "杨园街道2024年政府信息公开工作要点"),
    ]
    selection = select_reports(others, WUCHANG, YANGYUAN)
    assert selection.to_open == () and [s.reason for s in selection.skipped] == ["not an annual report"] * 4


def test_a_row_listed_twice_is_opened_once_per_listing_and_never_skipped() -> None:
    selection = select_reports([CUT, CUT], WUCHANG, YANGYUAN)
    assert selection.to_open == (ToOpen(CUT, YANGYUAN), ToOpen(CUT, YANGYUAN))
    assert selection.skipped == () and selection.chosen == ()


def test_the_selection_is_frozen() -> None:
    selection = select_reports([OLD_2024], WUCHANG, YANGYUAN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        selection.chosen[0].year = 2023  # type: ignore[misc]


def test_a_row_titled_near_the_statutory_name_is_opened_and_claims_its_street_year() -> None:
    """政务公开工作年度报告, 关于…工作情况的报告, 办事处信息公开年度报告: the office published something of the year
    under a title that is not the statutory one. Its page is opened (its own title decides), and the row claims
    the street-year, so that a page that is not titled as the report leaves it unknown, never missing."""
    near = [
        row("202501/t20250120_2518000.html", "杨园街道2024年政务公开工作年度报告"),
        row("202501/t20250121_2518001.html", "杨园街道关于2023年度政府信息公开工作情况的报告"),
        row("202501/t20250122_2518002.html", "2022年杨园街道办事处信息公开年度报告"),
    ]
    plan = row("202502/t20250210_2519000.html", "杨园街道2024年政务公开工作要点")  # another document of the year
    selection = select_reports([*near, plan, NOTICE], WUCHANG, YANGYUAN)
    assert selection.chosen == ()
    why = "titled unlike the annual report; page opened to read its own title"
    assert selection.to_open == tuple(ToOpen(r, YANGYUAN, why) for r in near)
    assert selection.skipped == (
        *(
            Skipped(r.url, r.title, "titled unlike the annual report", "杨园街道", y)
            for r, y in zip(near, (2024, 2023, 2022), strict=True)
        ),
        Skipped(plan.url, plan.title, "not an annual report"),
        Skipped(NOTICE.url, NOTICE.title, "not an annual report"),
    )


def test_a_district_or_department_report_near_the_statutory_name_claims_no_street() -> None:
    """武昌区…政务公开工作年度报告 in a street's column is the district's (other_body reads 政务公开 titles too)."""
    rows = [row("202501/t20250120_2518000.html", "武昌区2024年政务公开工作年度报告"),
            row("202501/t20250121_2518001.html", "武昌区教育局2024年政务公开工作年度报告")]  # fmt: skip
    selection = select_reports(rows, WUCHANG, YANGYUAN)
    assert [(s.reason, s.street, s.year) for s in selection.skipped] == [
        ("titled unlike the annual report", None, None)
    ] * 2
