"""Years and dates in Chinese numerals are read as digits: a report titled 二〇二三年度… is a 2023 report,
and one signed 二〇二四年一月二十五日 was signed on 2024-01-25 (crawler/numerals.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.extract import extract_text
from crawler.numerals import arabic_dates
from crawler.parsers.titles import is_annual_report, report_year
from tests.extract.conftest import seed_text


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("二〇二三年度积玉桥街道政府信息公开工作年度报告", "2023年度积玉桥街道政府信息公开工作年度报告"),
        ("二〇二四年一月二十五日", "2024年1月25日"),
        ("二○二四年元月廿八日", "2024年1月28日"),  # ○ for 〇, 元月 for 一月, 廿 for 二十
        ("二零一九年十二月三十一日", "2019年12月31日"),
        ("二O二二年十月十日", "2022年10月10日"),  # a scan's O for 〇
        ("二〇二三 年 十 月", "2023年10月"),
        ("2024年一月五日", "2024年1月5日"),
        ("一九九九年", "1999年"),
        # Left as written: already digits, not a year, or not a month or day.
        ("2024 年 1 月 5 日", "2024 年 1 月 5 日"),
        ("二七街道2023年十二项", "二七街道2023年十二项"),
        ("二〇二三年十二项工作", "2023年十二项工作"),
        ("二〇二四年十三月", "2024年十三月"),
        ("第一年", "第一年"),
        ("三二〇二三年", "三二〇二三年"),
        ("12024年", "12024年"),
    ],
)
def test_chinese_numeral_dates(text: str, digits: str) -> None:
    assert arabic_dates(text) == digits


def test_a_title_in_chinese_numerals_has_its_year() -> None:
    title = "武汉市武昌区人民政府积玉桥街道办事处二〇二三年度政府信息公开工作年度报告"
    assert is_annual_report(title) and report_year(title) == 2023


def test_a_report_written_in_chinese_numerals_reads_as_the_same_report() -> None:
    # 二七街道's 2021 report (a seed) as an office writing dates in Chinese numerals would publish it.
    text = seed_text("001_d5617df0c19c2339")
    old = text.replace("二七街道2021年政府信息公开工作", "二七街道二〇二一年政府信息公开工作", 1)
    old = old.replace("2022年1月20日", "二〇二二年一月二十日")
    assert old.count("二〇二") == 2
    digits = extract_text(text, doc_id="digits")
    numerals = extract_text(old, doc_id="numerals")
    assert numerals.title == "二七街道二〇二一年政府信息公开工作年度报告"  # the evidence as written
    assert (numerals.report_year, numerals.signed_date, numerals.doc_date) == (2021, dt.date(2022, 1, 20),
                                                                              dt.date(2022, 1, 20))  # fmt: skip
    assert numerals.publisher == digits.publisher == "江岸区人民政府二七街道办事处"
    assert {k: c.value for k, c in numerals.cells.items()} == {k: c.value for k, c in digits.cells.items()}
    assert sorted(f.rule for f in numerals.findings) == sorted(f.rule for f in digits.findings)
