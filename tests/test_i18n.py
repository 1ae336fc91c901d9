"""The translations: every message of the code is in both catalogs, translated, with the same placeholders;
Chinese texts carry no English words (but names and codes), English texts no Chinese; every finding rule
and every status reason renders from the catalogs. Fails on the first untranslated string a change adds —
run scripts/translations.sh and fill in the Chinese (README: Translations)."""

from __future__ import annotations

import ast
import datetime as dt
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from crawler.compliance import STATUS_LABELS, Status
from crawler.extract.explain import finding_text
from crawler.extract.record import Finding
from crawler.i18n import LOCALE_DIR, Text, Translator, _catalog, language, translator
from tests.support import ROOT
from tests.textcheck import english_words, han

CATALOGS = {lang: LOCALE_DIR / lang / "LC_MESSAGES" / "nianbao.po" for lang in ("zh_CN", "en")}


def fresh(lang: str) -> Translator:
    """A translator of its own, so ``missing`` holds only what this test asked for."""
    return Translator(lang, _catalog(lang))


def source_messages() -> set[str]:
    """What `pybabel extract -F babel.cfg -k N_ -k Text` finds in crawler/ now."""
    found = extract_from_dir(
        str(ROOT / "crawler"), method_map=[("**.py", "python")], keywords={"_": None, "N_": None, "Text": None}
    )
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_every_message_of_the_code_is_in_both_catalogs_and_translated() -> None:
    messages = source_messages()
    assert len(messages) > 150
    assert "published {date} ({basis}), {days} days after the deadline" in messages
    for lang, path in CATALOGS.items():
        catalog = read_po(path.open("rb"), locale=lang)
        entries = {m.id: m for m in catalog if isinstance(m.id, str) and m.id}
        assert not messages - set(entries), f"{lang}: not in the catalog (run scripts/translations.sh)"
        untranslated = sorted(m.id for m in entries.values() if not m.string or m.fuzzy)
        assert untranslated == [], f"{lang}: untranslated or fuzzy messages"
        for msgid, m in entries.items():
            assert placeholders(str(m.string)) == placeholders(msgid), (lang, msgid, m.string)


def test_chinese_catalog_has_no_english_words_and_english_no_chinese() -> None:
    zh = read_po(CATALOGS["zh_CN"].open("rb"), locale="zh_CN")
    for m in zh:
        if m.id:
            text = re.sub(r"\{\w+\}", "", str(m.string))
            assert english_words(text) == [], (m.id, m.string)
    en = read_po(CATALOGS["en"].open("rb"), locale="en")
    assert [m.string for m in en if m.id and han(str(m.string))] == []


def test_compiled_catalogs_match_the_sources() -> None:
    """The .mo a translator loads says what the .po says (scripts/setup.sh compiles them)."""
    for lang, path in CATALOGS.items():
        catalog = read_po(path.open("rb"), locale=lang)
        loaded = translator(lang)
        assert all(loaded(m.id) == m.string for m in catalog if isinstance(m.id, str) and m.id), lang


def test_language_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIANBAO_LANG", raising=False)
    assert language() == "zh_CN"
    assert (language("en"), language("zh-CN"), language("en_US.UTF-8")) == ("en", "zh_CN", "en")
    assert translator().lang == "zh_CN"
    monkeypatch.setenv("NIANBAO_LANG", "en")
    assert language() == "en" and language("zh") == "zh_CN"
    assert translator().lang == "en" and translator()("missing") == "missing"
    assert translator("zh")("missing") == "未公开"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        language("fr")


def rule_codes() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "crawler" / "extract").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'(?:Finding\(|_balance\(\s*cells,)\s*"([VP]\d\d)"', text))
    return codes


def test_every_finding_rule_is_rendered_from_the_catalogs() -> None:
    codes = rule_codes()
    assert {"P00", "P01", "P05", "V01", "V20", "V34", "V36"} <= codes and len(codes) > 30
    zh, en = fresh("zh_CN"), fresh("en")
    evidence = {"column": "natural", "row": "new", "block": "review", "section": "S3", "numbering": "3.",
                "template": "gb2019", "expected": "gb2021", "year": 2025, "period": "2023年1月1日至2023年12月31日",
                "date": "2024-01-02", "deadline": "2024-01-31", "prose": 3, "table": 4, "previous": 2,
                "containment": 0.81, "other_doc_id": "t20240110_1", "reason": "encrypted", "rows": ["new", "granted"],
                "heading": "七、附则"}  # fmt: skip
    for code in sorted(codes):
        finding = Finding(code, "warning", "t3", ("t2_regulations_in_force",), 7, evidence, message="RULE'S OWN")
        chinese, english = finding_text(finding, zh), finding_text(finding, en)
        assert "RULE'S OWN" not in chinese + english, code  # not the stored English fallback
        assert english_words(chinese, allow={"gb2019", "gb2021", "t20240110_1"}) == [], (code, chinese)
        assert not han(english), (code, english)
    assert zh.missing == set() and en.missing == set()
    v20 = Finding("V20", "error", "t3", evidence={"column": "natural"})
    assert finding_text(v20, zh) == "自然人：新收+上年结转 ≠ 办理总计+结转下年度"
    assert finding_text(v20, en) == "natural: new + carried over ≠ processed + carried to next year"
    # Why a file was not read (a bounded reader's limit) is said in the reader's language.
    p00 = Finding("P00", "error", evidence={"reason": "render_limit"})
    assert finding_text(p00, zh) == "文件无法读取（页面渲染像素超过上限）"
    assert finding_text(p00, en) == "the file could not be read (render_limit)"
    # A stored record (its JSON object) reads the same as the Finding it came from.
    assert finding_text(v20.to_dict(), zh) == finding_text(v20, zh)


def status(reason: str) -> Status:
    return Status("wuchang", "粮道街道", "ldj", "武昌区", 2024, "unknown", dt.date(2025, 1, 31), reason)


def test_every_status_reason_of_compliance_renders_in_both_languages() -> None:
    """Each reason the judge can give (every Text of crawler/compliance.py) has both translations."""
    source = (ROOT / "crawler" / "compliance.py").read_text(encoding="utf-8")
    reasons = re.findall(r'Text\(\s*"([^"]+)"', source)
    assert len(reasons) >= 14
    zh, en = fresh("zh_CN"), fresh("en")
    for msgid in reasons:
        params = {name: Text("a challenge page") if name == "what" else "2025-02-03" for name in placeholders(msgid)}
        reason = Text(msgid, **params)
        chinese, english = status(reason).to_json(zh)["reason"], status(reason).to_json(en)["reason"]
        assert english_words(chinese) == [] and han(chinese), (msgid, chinese)
        assert not han(english), (msgid, english)
    assert zh.missing == set() and en.missing == set()
    # The JSON keeps its fields; only the reason follows the language; English without a translator.
    late = Text("published {date} ({basis}), {days} days after the deadline", date=dt.date(2021, 2, 5),
                basis=Text("page_date"), days=5)  # fmt: skip
    assert str(late) == "published 2021-02-05 (page_date), 5 days after the deadline"
    assert status(late).to_json(zh)["reason"] == "2021-02-05公开（页面日期），逾期5天"
    assert status(late).to_json(en)["reason"] == "published 2021-02-05 (page date), 5 days after the deadline"
    assert set(status(late).to_json(zh)) == set(status(late).to_json())
    assert {zh(label) for label in STATUS_LABELS.values()} == {"按时", "逾期", "提前", "未公开", "未到期", "未知"}


def test_the_untranslated_string_check_fails_on_a_new_message(tmp_path: Path) -> None:
    """What a helper adding a reason without translating it meets: the translator notes it as missing."""
    zh = fresh("zh_CN")
    text = zh.text(Text("the column is incomplete: {n} pages", n=3))
    assert text == "the column is incomplete: 3 pages" and zh.missing == {"the column is incomplete: {n} pages"}
    assert english_words(text) != []


def test_scrapy_parse_table_in_both_languages() -> None:
    """The five seed reports as `scrapy read --format table` prints them: field names and codes are data,
    everything else follows the language."""
    from crawler.commands.read import render_table
    from crawler.extract import extract_file
    from tests.extract.conftest import SEEDS

    for path in sorted(SEEDS.glob("*.txt")):
        record = extract_file(str(path))
        data = record.to_dict()
        codes = {*data, *(v for v in data.values() if isinstance(v, str) and v.isascii())}
        # What the report itself says (title, names, its sections' numbering) is shown as it is.
        names = [v for v in data.values() if isinstance(v, str)] + [h.numbering or "" for h in record.sections.values()]
        zh, en = fresh("zh_CN"), fresh("en")
        chinese, english = render_table(record, zh), render_table(record, en)
        assert english_words(chinese, allow=codes) == [], path.name
        assert han(english, names) == [], path.name
        assert "审核发现" in chinese and "findings" in english
        assert zh.missing == set() and en.missing == set()


def test_compliance_gives_no_reason_as_a_plain_string() -> None:
    """A reason written as an f-string or plain string could not be translated: every reason given in
    crawler/compliance.py is a Text (a new one then shows up in the catalogs' checks above)."""
    tree = ast.parse((ROOT / "crawler" / "compliance.py").read_text(encoding="utf-8"))
    plain = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "reason":
            plain += _plain(node.value)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in ("reason", "why", "what") for t in node.targets
        ):
            plain += _plain(node.value)
    assert plain == []


def _plain(value: ast.expr) -> list[str]:
    """The untranslatable strings a reason expression can evaluate to (through conditionals and or/and)."""
    if isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and isinstance(value.value, str)
                                            and value.value):  # fmt: skip
        return [f"line {value.lineno}: {ast.unparse(value)[:80]}"]
    if isinstance(value, ast.IfExp):
        return _plain(value.body) + _plain(value.orelse)
    if isinstance(value, ast.BoolOp):
        return [p for v in value.values for p in _plain(v)]
    return []
