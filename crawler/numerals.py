"""Dates written in Chinese numerals, rewritten in Arabic digits: 二〇二三年 → 2023年,
二〇二四年一月二十五日 → 2024年1月25日.

Official documents signed before GB/T 9704-2012 (and some offices since, by habit) write the year and the
signed date in Chinese numerals, and a report title may read 二〇二三年度…年度报告. Every reader of years and
dates (titles, metadata, rules) works on Arabic digits; without this, such a report has no year — it is
not found — and its signed date is not read. One pure function, applied where text is normalised
(crawler/parsers/titles.py, crawler/extract/text.py), so each reader keeps its own patterns.

Only a year is rewritten (four numerals starting 一九 or 二〇, then 年), and a month and a day only
right after one: 二七街道, 十二项 or 第一年 are left alone. 〇 is also written ○ or 零, and scans read it as O
or 0; January may be 元月; 廿 and 卅 stand for 二十 and 三十.
"""

from __future__ import annotations

import re

_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_ZERO = "〇○零Oo0"
_DIGIT = "[" + "".join(_DIGITS) + "]"
_SMALL = "[一二三四五六七八九十廿卅元〇○零]{1,3}"  # a month or a day: 一 … 三十一
_DATE = re.compile(
    rf"(?<![\d{_ZERO}一二三四五六七八九])(?P<year>(?:一九|二[{_ZERO}]){_DIGIT}{{2}}|\d{{4}})\s*年"
    rf"(?:\s*(?P<month>{_SMALL}|\d{{1,2}})\s*月(?:\s*(?P<day>{_SMALL}|\d{{1,2}})\s*[日号])?)?"
)
_CHINESE = re.compile("[一二三四五六七八九十廿卅元〇○零]")


def arabic_dates(text: str) -> str:
    """``text`` with every year and date written in Chinese numerals written in Arabic digits; a date
    already in digits, or with a month or day that is not a number of its range, is left as it is."""
    if not _CHINESE.search(text):
        return text  # most lines: nothing to do
    return _DATE.sub(_rewrite, text)


def _rewrite(match: re.Match[str]) -> str:
    found = match.group(0)
    if not _CHINESE.search(found):
        return found  # 2024年1月25日 stays exactly as written (spacing included)
    year = match["year"] if match["year"].isdigit() else "".join(str(_DIGITS[c]) for c in match["year"])
    out, rest = f"{year}年", found[found.index("年") + 1 :]
    if match["month"] is None:
        return out + rest
    month, day = _small(match["month"]), _small(match["day"]) if match["day"] is not None else None
    if month is None or not 1 <= month <= 12 or (match["day"] is not None and (day is None or not 1 <= day <= 31)):
        return out + rest  # not a date after all: the year alone
    return out + f"{month}月" + (f"{day}{found[-1]}" if day is not None else "")


def _small(numeral: str) -> int | None:
    """一 … 三十一 (and 元 for the first month, 廿, 卅, digits) as a number; None if it is not one."""
    if numeral.isdigit():
        return int(numeral)
    if numeral == "元":
        return 1
    numeral = numeral.replace("廿", "二十").replace("卅", "三十")
    if "元" in numeral:
        return None
    if "十" not in numeral:
        return _DIGITS.get(numeral) if len(numeral) == 1 else None
    tens, _, ones = numeral.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    value = (_DIGITS.get(tens, -100) if tens else 1) * 10 + (_DIGITS.get(ones, -100) if ones else 0)
    return value if value > 0 else None
