"""The in-memory index of an archive's ledger, shared by every backend.

A backend reads its ledger (LocalStore: ``ledger.jsonl``; S3Store: ``_ledger/*.json``) and adds each
entry here, in ledger order; everything a store answers about versions comes from this index. It is its
own class with a small interface (``add``, ``latest``, ``versions``, ``keys``) so that a catalogue
database can later stand in for it without touching the backends' reading and writing.

Not thread-safe by itself: each backend holds its own lock around refresh-and-read.
"""

from __future__ import annotations

from collections.abc import Iterator

from crawler.store.base import Version


class LedgerIndex:
    """Every ledger entry read so far, in ledger order, plus lookups by key."""

    def __init__(self) -> None:
        self._entries: list[Version] = []
        self._by_key: dict[str, list[Version]] = {}

    def add(self, entry: Version) -> None:
        """Append the next ledger entry (entries are immutable: the index only ever grows)."""
        self._entries.append(entry)
        self._by_key.setdefault(entry.key, []).append(entry)

    def latest(self, key: str) -> Version | None:
        versions = self._by_key.get(key)
        return versions[-1] if versions else None

    def versions(self, key: str) -> list[Version]:
        """The versions of ``key`` in ledger order (a copy)."""
        return list(self._by_key.get(key, ()))

    def keys(self, prefix: str = "") -> list[str]:
        """Keys starting with ``prefix``, in the order of their first version."""
        return [key for key in self._by_key if key.startswith(prefix)]

    def entries(self) -> list[Version]:
        """Every entry in ledger order (a copy)."""
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, n: int) -> Version:
        return self._entries[n]

    def __iter__(self) -> Iterator[Version]:
        return iter(list(self._entries))
