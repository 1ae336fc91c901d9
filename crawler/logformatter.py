"""Keep file bodies out of logs: an item's ``repr`` would otherwise dump megabytes of PDF."""

from __future__ import annotations

from typing import Any

from scrapy import logformatter


def _summary(item: Any) -> str:
    name = type(item).__name__
    fields = ("portal", "street", "year", "url", "column_url", "ok", "error")
    parts = [f"{f}={getattr(item, f)!r}" for f in fields if getattr(item, f, None) is not None]
    return f"{name}({', '.join(parts)})"


def _quiet(result: logformatter.LogFormatterResult, item: Any) -> logformatter.LogFormatterResult:
    args = result["args"]
    if isinstance(args, dict) and "item" in args:
        result["args"] = {**args, "item": _summary(item)}
    return result


class QuietLogFormatter(logformatter.LogFormatter):
    """Log a one-line summary of an item (identity, URL, error) instead of its full repr."""

    def scraped(self, item: Any, *args: Any, **kwargs: Any) -> logformatter.LogFormatterResult:
        return _quiet(super().scraped(item, *args, **kwargs), item)

    def dropped(self, item: Any, *args: Any, **kwargs: Any) -> logformatter.LogFormatterResult:
        return _quiet(super().dropped(item, *args, **kwargs), item)

    def item_error(self, item: Any, *args: Any, **kwargs: Any) -> logformatter.LogFormatterResult:
        return _quiet(super().item_error(item, *args, **kwargs), item)
