"""The language of everything nianbao tells people: Chinese (``zh_CN``, the default) or English (``en``).

Texts live in gettext catalogs managed with Babel (``crawler/locale/nianbao.pot`` → ``{zh_CN,en}/LC_MESSAGES/
nianbao.po`` → ``.mo``; the commands are in README.md, "Translations"). Message ids are English with
``{name}`` placeholders. Code decides *what* to say (a :class:`Text`: message id + parameters) and renders
it only at the edge (a command's output, a page, an alert) with the :class:`Translator` of the reader's
language, chosen by ``--lang`` or ``NIANBAO_LANG``. JSON/CSV field names and status codes are data and are
never translated.
"""

from __future__ import annotations

import functools
import gettext
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DOMAIN = "nianbao"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "zh_CN"
_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh_hans": "zh_CN", "cn": "zh_CN", "en": "en", "en_us": "en",
            "en_gb": "en"}  # fmt: skip


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention Babel extracts by name
    """Mark a module-level constant for extraction (``pybabel extract -k N_``); it is translated where shown."""
    return msgid


def language(value: str | None = None) -> str:
    """The language asked for (``--lang``), else ``NIANBAO_LANG``, else Chinese; ValueError if unknown."""
    raw = value or os.environ.get("NIANBAO_LANG") or DEFAULT_LANGUAGE
    lang = _ALIASES.get(raw.split(".")[0].replace("-", "_").lower())
    if lang is None:
        raise ValueError(f"unknown language {raw!r}: use zh (Chinese, the default) or en (English)")
    return lang


class Text(str):
    """A message decided in code but not yet rendered: its English text (so it is still a ``str`` for logs,
    tests and callers that want one) plus the message id and parameters to render it in any language.
    Parameters may themselves be :class:`Text` (e.g. a translated label inside a sentence)."""

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Text:
        self = super().__new__(cls, msgid.format(**params) if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def render(self, _: Translator) -> str:
        return _(self.msgid, **self.params)

    # Immutable: copies (dataclasses.asdict deep-copies fields) are the object itself.
    def __copy__(self) -> Text:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Text:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_text, (self.msgid, dict(self.params)))


def _text(msgid: str, params: dict[str, Any]) -> Text:
    return Text(msgid, **params)


class Translator:
    """``_(msgid, **params)``: the message in this language, its ``{name}`` placeholders filled (a
    :class:`Text` parameter is rendered in the same language). A string that is not a catalog message
    (a portal's error text, a name) is returned as it is."""

    def __init__(self, lang: str, catalog: gettext.NullTranslations) -> None:
        self.lang = lang
        self.catalog = catalog
        # Message ids of the catalog; a text asked for that is not among them is remembered in ``missing``
        # (tests/test_i18n.py renders everything and fails on any), then shown untranslated.
        self.known: frozenset[str] = frozenset(k for k in getattr(catalog, "_catalog", {}) if isinstance(k, str))
        self.missing: set[str] = set()

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.lang == "zh_CN" else self.lang

    def __call__(self, msgid: str, **params: Any) -> str:
        if msgid not in self.known:
            self.missing.add(msgid)
        text = self.catalog.gettext(msgid)
        if not params:
            return text
        return text.format(**{k: self.text(v) if isinstance(v, Text) else v for k, v in params.items()})

    def text(self, value: str | None) -> str:
        """Render a :class:`Text`; any other string (data) unchanged."""
        if value is None:
            return ""
        return value.render(self) if isinstance(value, Text) else value


def translator(lang: str | None = None) -> Translator:
    """The translator of ``lang`` (else NIANBAO_LANG, read on every call, else Chinese); catalogs load once."""
    return _translator(language(lang))


@functools.cache
def _translator(lang: str) -> Translator:
    return Translator(lang, _catalog(lang))


def _catalog(lang: str) -> gettext.GNUTranslations:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return gettext.GNUTranslations(fp)
    # No compiled catalog yet, or the .po was edited since (scripts/setup.sh compiles them): compile in memory.
    from babel.messages.mofile import write_mo  # noqa: PLC0415 - only needed without a fresh .mo
    from babel.messages.pofile import read_po  # noqa: PLC0415

    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
