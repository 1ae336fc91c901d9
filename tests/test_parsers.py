"""The pure parsers on saved pages of each portal template (tests/fixtures/portals/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crawler.parsers.challenge import challenge_reason
from crawler.parsers.detail import parse_detail
from crawler.parsers.listing import parse_listing
from crawler.parsers.titles import is_annual_report, match_unit, near_report, report_year
from crawler.parsers.urls import doc_id, document_kind, url_date
from crawler.registry import default_registry

FIXTURES = Path(__file__).parent / "fixtures" / "portals"
YYJ = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_wuchang_list_page_rows_titles_dates_and_pager() -> None:
    listing = parse_listing(read("wuchang_list_page0.html"), YYJ + "index.html")
    assert [r.url for r in listing.rows] == [
        YYJ + "202601/t20260114_2711184.html",
        YYJ + "202510/t20251014_2662517.html",
        YYJ + "202501/t20250110_2515012.html",
        "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202401/t20240112_2341234.html",
    ]
    # The full title comes from the title attribute, not the truncated link text.
    assert listing.rows[2].title == "武汉市武昌区人民政府杨园街道办事处2024年度政府信息公开工作年度报告"
    assert listing.rows[0].list_date == dt.date(2026, 1, 14)
    assert (listing.total_pages, listing.current_page, listing.ext) == (3, 0, "html")
    assert listing.page_url(YYJ, 2) == YYJ + "index_2.html"


def test_script_written_rows_and_container_first_pager() -> None:
    url = "https://www.wuhan.gov.cn/zwgk/szfbg/index_1.shtml"
    listing = parse_listing(read("city_js_rows.shtml"), url)
    assert [(r.url, r.title) for r in listing.rows] == [
        ("https://www.wuhan.gov.cn/zwgk/szfbg/202602/t20260214_2730572.shtml", "武汉市2025年政府信息公开工作年度报告")
    ]
    assert (listing.total_pages, listing.current_page, listing.ext) == (5, 1, "shtml")


def test_wuchang_detail_metadata_block_and_attachments() -> None:
    url = YYJ + "202601/t20260114_2711184.html"
    detail = parse_detail(read("wuchang_detail.html"), url)
    assert detail.title == "杨园街道2025年政府信息公开工作年度报告"
    assert detail.publisher == "杨园街道"
    assert detail.index_no == "737546075/2026-00012"
    # 公开日期 is earlier than the URL date (docs/portals.md §1 item 6); both are kept.
    assert (detail.page_date, detail.page_date_label) == (dt.date(2026, 1, 9), "公开日期")
    assert detail.url_date == dt.date(2026, 1, 14)
    assert [(a.url.rsplit("/", 1)[-1], a.kind) for a in detail.attachments] == [
        ("P020260114381234567890.pdf", "pdf"),
        ("P020260114381234567891.docx", "docx"),
    ]
    assert detail.has_body


@pytest.mark.parametrize(
    ("fixture", "url", "title", "publisher", "date", "label"),
    [
        (
            "qiaokou_detail.shtml",
            "https://www.qiaokou.gov.cn/xxgk/zfxxgknb/bmjdhz/qzfpcjg/rhj/202601/t20260119_2713371.shtml",
            "荣华街道2025年政府信息公开工作年度报告", "硚口区人民政府荣华街道办事处", dt.date(2026, 1, 19), "发布时间",
        ),
        (
            "hongshan_detail.shtml",
            "https://www.hongshan.gov.cn/jxbm/szsj/xxgknb/202601/t20260129_2720573.shtml",
            "狮子山街道2025年政府信息公开工作年度报告", "狮子山街道", dt.date(2026, 1, 29), "日期",
        ),
        (
            # 发布时间 is printed but empty on 江汉: the update time is the only date.
            "jianghan_detail.shtml",
            "https://www.jianghan.gov.cn/qzfpcjg/qfzhggj_46071/zfxxgkgznb/202401/t20240126_2350814.shtml",
            "江汉区常青街道办事处2023年政府信息公开工作年度报告", "常青街道", dt.date(2024, 1, 26), "更新时间",
        ),
        (
            "wehdz_detail.shtml",
            "https://www.wehdz.gov.cn/2022/zfxxgk/dfbm/gdj/zfxxgkndbg_44101/202601/t20260127_2719402.shtml",
            "关东街道2025年政府信息公开工作年度报告", "关东街道办事处", dt.date(2026, 1, 27), "•",
        ),
    ],
)  # fmt: skip
def test_detail_templates_of_other_hosts(fixture, url, title, publisher, date, label) -> None:
    detail = parse_detail(read(fixture), url)
    assert (detail.title, detail.publisher, detail.page_date, detail.page_date_label) == (title, publisher, date, label)


@pytest.mark.parametrize(
    ("title", "report", "year"),
    [
        ("杨园街道2025年政府信息公开工作年度报告", True, 2025),
        ("武汉市武昌区人民政府粮道街街道办事处2022年度政府信息公开工作年度报告", True, 2022),
        ("2023年 杨园街政府信息公开工作年报", True, 2023),
        ("杨园街道2024年度部门决算公开", False, 2024),
        ("杨园街道2024政府信息公开工作年度报告", True, 2024),  # 年 left out
        ("杨园街道2024年度政务公开工作年度报告", False, 2024),
        ("杨园街道20241203号政府信息公开工作年度报告", True, None),  # a number, not a year
        ("关于做好2024年政府信息公开工作年度报告编制工作的通知", False, 2024),
        ("杨园街道2024年法治政府建设年度报告", False, 2024),
    ],
)
def test_title_classification(title: str, report: bool, year: int | None) -> None:
    assert is_annual_report(title) is report
    assert report_year(title) == year


def test_street_named_in_title_with_naming_drift() -> None:
    streets = default_registry().portal("wuchang").streets
    cases = {
        "武汉市武昌区人民政府粮道街街道办事处2022年度政府信息公开工作年度报告": "laj",
        "积玉桥街办事处2019年政府信息公开工作年度报告": "jyqj",
        "2023年水果湖街政府信息公开工作年报": "sghj",
        "石洞街道2021年政府信息公开工作年度报告": "sdj",
    }
    for title, key in cases.items():
        unit = match_unit([title], streets)
        assert unit is not None and unit.key == key, title
    assert match_unit(["武昌经开区管委会2025年政府信息公开工作年度报告"], streets) is None


def test_url_facts() -> None:
    url = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202601/t20260114_2711184.html"
    assert (url_date(url), doc_id(url)) == (dt.date(2026, 1, 14), 2711184)
    assert url_date("https://www.qiaokou.gov.cn/x/202601/t20260231_1.shtml") is None  # not a date
    assert document_kind("https://h/x/202601/P020260114381234567890.PDF") == "pdf"
    assert document_kind("https://h/x/202601/t20260114_1.html") is None


def test_challenge_pages_are_recognised_and_reports_are_not() -> None:
    assert challenge_reason(412, read("challenge_412.html").encode()) == "HTTP 412 challenge page"
    assert challenge_reason(200, read("challenge_412.html").encode()) == "script-cookie challenge page"
    assert challenge_reason(200, read("wuchang_detail.html").encode()) is None
    assert challenge_reason(404, b"<html>not found</html>") is None


@pytest.mark.parametrize(
    ("title", "near"),
    [
        ("杨园街道2024年政务公开工作年度报告", True),
        ("杨园街道关于2024年度政府信息公开工作情况的报告", True),
        ("2024年杨园街道办事处信息公开年度报告", True),
        ("杨园街道2024年政府信息公开工作年度报告", False),  # the statutory name: a report, not a near one
        # What offices write instead of the name, the year without 年 among them.
        ("杨园街道2024政务公开工作年度报告", True),
        ("杨园街道2024年度政府信息公开工作总结", True),
        ("杨园街道2024年政府信息公开工作情况", True),
        ("杨园街道2024年政府信息公开工作年度报表", True),
        ("杨园街道2024年政府信息公开工作年度报告公示", True),
        ("关于杨园街道2024年政府信息公开工作年度报告编制的公示", False),  # a notice about it
        ("杨园街道政务公开工作年度报告", False),  # no year: nothing to claim
        ("杨园街道2024年政务公开工作要点", False),  # another kind of document
        ("杨园街道2024年政府信息公开工作年度报告解读", False),
        ("杨园街道2024年法治政府建设工作报告", False),  # a report, but not of disclosure
        ("杨园街道关于2024年依申请公开工作的通知", False),
        # Reports of part of a year, of other openness, of other matters (each would hide a missing report).
        ("杨园街道关于2024年上半年政务公开工作情况的报告", False),
        ("杨园街道2024年第三季度政务公开工作情况报告", False),
        ("杨园街道2024年度党务公开工作情况报告", False),
        ("关于2024年度居务公开工作开展情况的报告", False),
        ("杨园街道2024年度财政资金绩效评价报告公开", False),
        ("杨园街道2024年公开招聘社区工作者体检情况报告", False),
    ],
)
def test_near_report(title: str, near: bool) -> None:
    assert near_report(title) is near


def test_a_report_title_that_names_its_parts_is_the_report() -> None:
    assert is_annual_report("杨园街道2024年政府信息公开工作年度报告（附统计表）")
    assert is_annual_report("杨园街道2024年政府信息公开工作年度报告及解读")
    assert not is_annual_report("杨园街道2024年政府信息公开工作年度报告解读")  # the interpretation alone
    assert not is_annual_report("2024年政府信息公开工作年度报告统计表")
