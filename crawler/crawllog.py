"""The crawl log's format, written by :mod:`crawler.extensions.crawllog` and read back here.

A crawl log (``_crawls/{portal}/{crawl_id}.jsonl``, see crawler/keys.py) holds one JSON object per
line: every item the crawl produced (``ReportItem``, ``ColumnItem``, ``FetchFailure``… each with its
``type``), then a ``CrawlSummary`` line; a log without the summary is the log of a crawl that died.
Status (crawler/compliance.py), alerts and WACZ packaging read the logs through :func:`crawl_logs`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler import keys
from crawler.store import Store


def encode_line(item: dict[str, Any]) -> str:
    """One log line (canonical JSON: sorted keys, UTF-8 text kept as is), newline included."""
    return json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n"


def decode(data: bytes) -> list[dict[str, Any]]:
    """The items of a crawl log's bytes (blank lines skipped); ValueError if a line is not JSON."""
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def crawl_logs(store: Store, portal: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(crawl id, items) of every crawl of ``portal``, oldest first."""
    for key in sorted(store.keys(keys.crawl_logs_prefix(portal))):
        yield keys.crawl_log_id(key), decode(store.get(key))
