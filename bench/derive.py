"""Crawl-close benchmark of the cross-report checks (crawler/derive.py): prints figures, asserts nothing.

    .venv/bin/python bench/derive.py [--units 14] [--years 5]

Builds a local archive of records extracted from the replica's report texts: 1× is one portal of
``--units`` streets × ``--years`` years (70 reports at the defaults; the replica's 武昌区 has 95), 10× is
ten such portals. For each it prints the time of:

* a daily crawl's close: one street's newest report touched in one portal (``derive_portal``);
* a full derive of one portal from its records (``derive_portal`` without touched: `scrapy extract`);
* ``scrapy derive``: V34 of every portal refreshed from the signature files (``refresh``), nothing changed;
and the GETs each made (the store's reads), to show what grows with the archive and what does not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler import derive, keys, records  # noqa: E402
from crawler.extract import extract_text  # noqa: E402
from crawler.store import LocalStore  # noqa: E402
from replica.reports import make_report  # noqa: E402


class CountingStore(LocalStore):
    gets = 0

    def get(self, key: str, version: int | None = None) -> bytes:
        CountingStore.gets += 1
        return super().get(key, version)


def text(street: str, seed: int, year: int) -> str:
    spec = make_report(
        seed=seed, street=street, district="武昌区", publisher=f"武汉市武昌区人民政府{street}办事处", year=year,
        signed_date=dt.date(year + 1, 1, 15),
    )  # fmt: skip
    lines = [spec.title]
    for paragraphs in spec.prose.values():
        lines += list(paragraphs)
    return "\n".join(lines)


def build(path: Path, portals: int, units: int, years: int) -> None:
    store = LocalStore(path)
    texts: dict[int, str] = {}
    for p in range(portals):
        portal = f"p{p:02d}"
        for u in range(units):
            for y in range(2019, 2019 + years):
                seed = (u * 31 + y) % 97  # texts repeat across portals: extraction is the slow part here
                body = texts.setdefault(seed * 10000 + y, text(f"街{u:02d}街道", seed, y))
                prefix = keys.report_prefix(portal, f"s{u:02d}", y)
                key = keys.report_file(prefix, "page.html")
                store.put_json(keys.report_json(prefix), {"files": [{"store_key": key}], "year": y})
                records.save_record(store, key, extract_text(body.replace("街", f"{portal}街"), doc_id=key))
        derive.derive_portal(store, portal)
    derive.refresh(store)
    store.close()


def timed(label: str, path: Path, call: str, units: int, years: int) -> None:
    store = CountingStore(path)
    CountingStore.gets = 0
    start = time.perf_counter()
    if call == "close":
        derive.derive_portal(store, "p00", {keys.report_prefix("p00", "s00", 2018 + years)})
    elif call == "portal":
        derive.derive_portal(store, "p00")
    else:
        derive.refresh(store)
    took = time.perf_counter() - start
    store.close()
    print(f"{label}: {call:6s} {took:7.2f} s, {CountingStore.gets} GETs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=14)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None, help="build the archives here and keep them")
    opts = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (1, 10):
            path = (opts.keep or Path(tmp)) / f"x{scale}"
            start = time.perf_counter()
            build(path, scale, opts.units, opts.years)
            n = scale * opts.units * opts.years
            print(f"{scale}× ({n} reports): built in {time.perf_counter() - start:.0f} s")
            for call in ("close", "portal", "refresh"):
                timed(f"{scale}×", path, call, opts.units, opts.years)


if __name__ == "__main__":
    main()
