"""Crash recovery: the open WARC of a crawl that died is cut back to its last complete record and stored.

A crawl killed mid-way leaves its ``….warc.gz.open`` file and its run's lock file in the work folder.
The next crawl of the portal finds the lock free (the kernel released the dead holder's ``flock``),
truncates the file after its last record that reads completely (digests checked), and hands it to the
recorder to be indexed and stored, so no capture is lost.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.warc.record import Digests, Original

logger = logging.getLogger(__name__)


def salvage(path: Path) -> tuple[int, list[tuple[str, str, Original]]]:
    """Length of the valid prefix of a (possibly torn) WARC, and the originals it holds.

    Reads record by record, fully (so a truncated gzip member or body is noticed); the prefix ends
    after the last record that read completely.
    """
    good = 0
    originals: list[tuple[str, str, Original]] = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh, check_digests=True)
        try:
            for record in it:
                while record.content_stream().read(1 << 20):
                    pass
                if record.digest_checker.passed is False:
                    break
                headers = record.rec_headers
                if (
                    record.rec_type == "response"
                    and record.http_headers
                    and record.http_headers.get_statuscode() == "200"
                ):
                    uri, digest = headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Payload-Digest")
                    original = Original(
                        uri,
                        headers.get_header("WARC-Date"),
                        headers.get_header("WARC-Record-ID"),
                        path.name.removesuffix(".open"),
                    )
                    originals.append((uri, digest, original))
                it.read_to_end(record)
                good = it.get_record_offset() + it.get_record_length()
        except Exception as exc:
            logger.warning("%s: torn after byte %d (%s): keeping the complete records", path, good, exc)
    return good, originals


def recover_crashed(workdir: Path, own_run: str, digests: Digests, store_file: Callable[[Path, str], None]) -> None:
    """Store the WARCs of crawls of this portal that died (their lock is free), then forget them.

    ``own_run`` is the live run's name (its lock is skipped); the originals the salvaged records hold
    join ``digests``; ``store_file(path, crawl_id)`` indexes and stores one finished file."""
    for lock in sorted(workdir.glob("*.lock")):
        if lock.name == f"{own_run}.lock":
            continue
        with lock.open("r+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live crawl of the same portal
            try:
                crawl_id = json.loads(fh.read() or "{}").get("crawl_id") or "unknown"
            except ValueError:
                crawl_id = "unknown"
            run = lock.name.removesuffix(".lock")
            for path in sorted(workdir.glob(f"*-{run}-*.warc.gz*")):
                _recover_file(path, crawl_id, digests, store_file)
            lock.unlink()


def _recover_file(path: Path, crawl_id: str, digests: Digests, store_file: Callable[[Path, str], None]) -> None:
    good, originals = salvage(path)
    if good == 0:
        logger.warning("WARC recovery: %s holds no complete record; removed", path)
        path.unlink()
        return
    with path.open("r+b") as fh:
        fh.truncate(good)
    final = path.with_name(path.name.removesuffix(".open"))
    os.replace(path, final)
    for uri, digest, original in originals:
        digests.add(uri, digest, original)
    store_file(final, crawl_id)
    logger.warning("WARC recovery: stored %s of crashed crawl %s (%d bytes)", final.name, crawl_id, good)
