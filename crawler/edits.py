"""Silent edits: a report file that changed after it was first archived, and what changed in it.

When the archive stores version *n* > 1 of a report file (``{portal}/{street}/{year}/{file}``), the
previous version was once the published report and now is not: that is recorded as an *edit event*,
``_events/edits/{portal}/{street}/{year}/{file}-v{n}.json``, with both versions' sha256, capture times
and source URLs. ``kind`` is ``silent_edit`` when the bytes changed at the same URL (nothing on the
portal says so), ``replaced`` when the file now comes from another URL.

If extraction records exist for both versions (``{file}.record.json`` beside the file, written by
:mod:`crawler.extract`; matched to a file version by its ``file_sha256``), the event carries the table
cells that changed. Extraction usually runs after the crawl, so :func:`refresh_events` fills the cell
diff in later (a new version of the event object; the first one stays in the history).

The same comparisons back ``scrapy diff``.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from crawler import keys
from crawler.keys import is_report_file
from crawler.store import PutResult, Store, StoreError, Version
from crawler.store.base import utcnow

logger = logging.getLogger(__name__)

_CELL_KEYS = {"value", "raw", "status", "line"}


def event_key(version: Version) -> str:
    return keys.edit_event(version.key, version.version)


def _capture(version: Version) -> dict[str, Any]:
    return {
        "version": version.version,
        "sha256": version.sha256,
        "size": version.size,
        "source_url": version.source_url,
        "fetched_at": version.fetched_at,
        "stored_at": version.stored_at,
        "http_last_modified": version.meta.get("last_modified"),
        "http_etag": version.meta.get("etag"),
    }


def note_edit(store: Store, result: PutResult) -> str | None:
    """Record an edit event if ``result`` is a new version (> 1) of a report file; the event's key.

    Never raises: a failure here must not cost the crawl the capture it just stored.
    """
    current = result.version
    if not result.created or current.version < 2 or not is_report_file(current.key) or current.meta.get("spooled"):
        return None
    try:
        history = store.history(current.key)
        previous = next(v for v in reversed(history) if v.version == current.version - 1)
        event = build_event(store, previous, current)
        store.put_json(event_key(current), event, source_url=current.source_url)
        logger.warning(
            "%s: %s changed after it was archived (v%d → v%d): %s",
            current.key.split("/", 1)[0],
            current.key,
            previous.version,
            current.version,
            event["kind"],
        )
        return event_key(current)
    except (StoreError, StopIteration, OSError, ValueError) as exc:
        logger.error("could not record the edit of %s v%d: %s", current.key, current.version, exc)
        return None


def note_edits(store: Store, results: Iterable[PutResult]) -> list[str]:
    """:func:`note_edit` for each write (e.g. what a flush of the spool stored); the events' keys.

    A flush replays puts that waited in the spool while the archive was unreachable: the archive
    pipeline could not check those report files for edits when it put them, so whoever flushes records
    them here (the store itself does not know what a report file is)."""
    return [key for result in results if (key := note_edit(store, result))]


def build_event(store: Store, previous: Version, current: Version) -> dict[str, Any]:
    portal, street, year, name = current.key.split("/", 3)
    event: dict[str, Any] = {
        "type": "edit",
        "kind": "silent_edit" if previous.source_url == current.source_url else "replaced",
        "key": current.key,
        "portal": portal,
        "street": street,
        "year": int(year),
        "file": name,
        "crawl_id": current.meta.get("crawl_id"),
        "previous": _capture(previous),
        "current": _capture(current),
        "detected_at": current.stored_at,
    }
    event.update(cell_changes(store, current.key, previous.sha256, current.sha256))
    return event


def cell_changes(store: Store, key: str, old_sha256: str, new_sha256: str) -> dict[str, Any]:
    """``{"cells": [...], "cells_from": {...}}`` when both versions were extracted, else ``{"cells": None}``."""
    records = {sha: (version, data) for version, data in _records(store, key) if (sha := data.get("file_sha256"))}
    if old_sha256 not in records or new_sha256 not in records:
        return {"cells": None, "cells_note": "no extraction record for both versions yet"}
    (old_v, old), (new_v, new) = records[old_sha256], records[new_sha256]
    return {"cells": json_diff(old, new)["cells"], "cells_from": {"previous": old_v, "current": new_v}}


def _records(store: Store, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for version in store.history(keys.record_key(key)):
        try:
            data = store.get_json(version.key, version.version)
        except (StoreError, ValueError):
            continue
        if isinstance(data, dict):
            yield version.version, data


def refresh_events(store: Store) -> list[str]:
    """Add the cell diff to edit events recorded before their versions were extracted; keys updated."""
    updated = []
    for key in store.keys(keys.edits_prefix()):
        try:
            event = store.get_json(key)
        except (StoreError, ValueError):
            continue
        if event.get("cells") is not None:
            continue
        changes = cell_changes(store, event["key"], event["previous"]["sha256"], event["current"]["sha256"])
        if changes["cells"] is not None:
            store.put_json(
                key, {**{k: v for k, v in event.items() if k != "cells_note"}, **changes, "cells_added_at": utcnow()}
            )
            updated.append(key)
    return updated


# ---- comparisons ---------------------------------------------------------------------------------
def _is_cell(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and set(value) <= _CELL_KEYS


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any, bool]]:
    """(path, leaf, is_cell) for every leaf; a cell object (value/raw/status/line) is one leaf."""
    if _is_cell(value):
        yield path, value, True
    elif isinstance(value, dict):
        for k in sorted(value):
            yield from _flatten(value[k], f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _flatten(item, f"{path}[{n}]")
    else:
        yield path, value, False


def json_diff(old: Any, new: Any) -> dict[str, list[dict[str, Any]]]:
    """Changed table cells (compared by ``value``; a cell that appeared or vanished counts) and other
    changed fields, each as ``{"path", "before", "after"}``."""
    a = {p: (v, c) for p, v, c in _flatten(old)}
    b = {p: (v, c) for p, v, c in _flatten(new)}
    cells: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    for path in sorted(a.keys() | b.keys()):
        (va, ca), (vb, cb) = a.get(path, (None, False)), b.get(path, (None, False))
        if ca or cb:
            before = va.get("value") if ca else va
            after = vb.get("value") if cb else vb
            if before != after or (path in a) != (path in b):
                cells.append(
                    {
                        "path": path,
                        "before": before,
                        "after": after,
                        "raw_before": va.get("raw") if ca else None,
                        "raw_after": vb.get("raw") if cb else None,
                    }
                )
        elif va != vb or (path in a) != (path in b):
            fields.append({"path": path, "before": va, "after": vb})
    return {"cells": cells, "fields": fields}


def decode_text(data: bytes) -> str | None:
    """The text of ``data`` if it is text (UTF-8, else GB18030 as Chinese sites serve), else None."""
    if b"\x00" in data[:8192]:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def text_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name)
    )
