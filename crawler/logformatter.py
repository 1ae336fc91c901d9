"""Keep file bodies out of logs: an item's ``repr`` would otherwise dump megabytes of PDF."""

from __future__ import annotations

from typing import Any

from scrapy import logformatter
from scrapy.http import Response


class QuietLogFormatter(logformatter.LogFormatter):
    def scraped(self, item: Any, response: Response | Any, spider: Any) -> logformatter.LogFormatterResult:
        result = super().scraped(item, response, spider)
        result["args"] = {**result["args"], "item": _summary(item)}
        return result

    def dropped(self, item: Any, exception: BaseException, response: Response | None, spider: Any) -> logformatter.LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["args"] = {**result["args"], "item": _summary(item)}
        return result

    def item_error(self, item: Any, exception: BaseException, response: Response | None, spider: Any) -> logformatter.LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        result["args"] = {**result["args"], "item": _summary(item)}
        return result


def _summary(item: Any) -> str:
    name = type(item).__name__
    fields = ("portal", "street", "year", "url", "column_url", "ok", "error")
    parts = [f"{f}={getattr(item, f)!r}" for f in fields if getattr(item, f, None) is not None]
    return f"{name}({', '.join(parts)})"
