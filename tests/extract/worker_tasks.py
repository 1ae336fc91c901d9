"""Calls the tests run in extraction workers. A worker imports the module of what it runs, and that import
counts against the file's time limit: this module imports nothing heavy (unlike the test modules)."""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def peak_rss_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def convert_for_ten_minutes(marker: str) -> None:
    """Stands for a LibreOffice conversion that hangs: a child in its own session, named by its folder."""
    from crawler.extract.formats import legacy

    Path(marker).write_text(str(os.getpid()))
    with legacy.owned_tempdir("lo") as tmp:
        legacy._run([sys.executable, "-c", "import time; time.sleep(600)", tmp], 900, cwd=tmp)


_KEPT: list[bytearray] = []


def hold(mib: int) -> int:
    """Keep ``mib`` MiB allocated after answering (as the OCR models stay loaded)."""
    _KEPT.append(bytearray(mib << 20))
    return os.getpid()


def ocr_state() -> tuple[int, int, int, int, int]:
    """(pid, times the OCR models were loaded, their resident address space, this worker's address space,
    its soft address-space limit), in bytes."""
    from crawler.extract.formats import ocr

    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return os.getpid(), ocr.engine_loads(), ocr.resident_space(), ocr.address_space(), soft


def scan_pages(pages: int, seconds: float, stall: float = 0.0) -> int:
    """Stands for OCR of a scan: ``pages`` pages of ``seconds`` each, each reported as OCR reports a page
    read; then, if ``stall``, a page that takes ``stall`` seconds and is never read."""
    from crawler.extract.formats import ocr

    for _ in range(pages):
        time.sleep(seconds)
        ocr._page_read()
    time.sleep(stall)
    return pages
