"""Bounded extraction: every report file is read in a worker process with an address-space limit and a
wall-clock limit, so no file -- however hostile -- can take the crawl (or `scrapy extract`) down with it.

A small pool of its own over :mod:`multiprocessing` rather than ``concurrent.futures.ProcessPoolExecutor``:
the executor cannot kill one overrunning task (only the whole pool, which then breaks), while here each
slot owns one worker, waits for its answer at most ``timeout`` seconds, and on overrun or death kills and
replaces that worker alone. The caller gets a :class:`concurrent.futures.Future` at once (the crawl's
reactor only hands off and collects: ``asyncio.wrap_future``), and a failed worker becomes a record
with a P00 finding naming the limit, never an exception.

Workers are forked from a forkserver (a clean process, not the crawl with its reactor threads) that has
imported the readers once; each one sets ``RLIMIT_AS`` on itself, dies with its parent
(``PR_SET_PDEATHSIG``), ignores Ctrl-C (the parent decides), and is retired after a MemoryError (the
heap may be left fragmented). A worker keeps the OCR models it loaded for its next scans (issue 13); its
limits for later files are counted above the address space they keep. Conversions a killed worker left
behind (LibreOffice runs in its own process group) are swept right after it is reaped
(:func:`crawler.extract.formats.legacy.sweep`).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from crawler.extract import deadline as dl
from crawler.extract.formats import ocr
from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.limits import DEFAULT_LIMITS, Limits
from crawler.extract.pipeline import _doc_id, extract, failed
from crawler.extract.record import Record

log = logging.getLogger(__name__)

# P00 reasons that mean "a limit refused this file" (not "the file is damaged"): such a record is stored
# as soon as it is made, and like every record it is not re-extracted until the extractor version changes.
LIMIT_REASONS = frozenset(
    ("memory_limit", "time_limit", "worker_crashed", "render_limit", "grid_limit", "zip_bomb", "too_large")
)
# What a worker sends its parent after each scanned page it read, before its answer (a 3-tuple).
PAGE_READ = ("page_read",)
_PR_SET_PDEATHSIG = 1
_M_ARENA_MAX = -8
# Native libraries (ONNX Runtime, OpenBLAS, OpenCV) otherwise start a thread pool per core, each with its
# own stacks and malloc arenas: address space the limit would count, for no gain with one file per worker.
_WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}


@dataclass(frozen=True)
class WorkerLimits:
    """How many workers, and what one file may cost (settings EXTRACT_WORKERS, EXTRACT_MEMORY_MB,
    EXTRACT_TIMEOUT, EXTRACT_OCR_MEMORY_MB, EXTRACT_OCR_PAGE_TIME)."""

    workers: int = 2
    memory: int = 1 << 30  # bytes of address space per worker (soft RLIMIT_AS)
    timeout: float = 120.0  # seconds per file, then the worker is killed
    ocr_memory: int = 2 << 30  # while the OCR models run (hard RLIMIT_AS; formats/limits.py)
    # Seconds more for each scanned page read: a 30-page scan at ~4 s a page (more on a busy machine) needs
    # more than the per-file limit, yet a page that never ends still meets the limit (formats/ocr.py).
    ocr_page_time: float = 20.0

    @classmethod
    def from_settings(cls, settings: Any) -> WorkerLimits:
        return cls(
            workers=max(1, settings.getint("EXTRACT_WORKERS", cls.workers)),
            memory=settings.getint("EXTRACT_MEMORY_MB", cls.memory >> 20) << 20,
            timeout=settings.getfloat("EXTRACT_TIMEOUT", cls.timeout),
            ocr_memory=settings.getint("EXTRACT_OCR_MEMORY_MB", cls.ocr_memory >> 20) << 20,
            ocr_page_time=settings.getfloat("EXTRACT_OCR_PAGE_TIME", cls.ocr_page_time),
        )


def limit_reason(record: Record) -> str | None:
    """The limit a record's P00 finding names (None: not refused by a limit)."""
    for finding in record.findings:
        if finding.rule == "P00" and finding.evidence.get("reason") in LIMIT_REASONS:
            return str(finding.evidence["reason"])
    return None


@dataclass
class _Task:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: Future[Any]


class _Worker:
    def __init__(self, context: Any, memory: int, ocr_memory: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, memory, ocr_memory), daemon=True, name="nianbao-extract"
        )
        self.process.start()
        child.close()

    def stop(self, *, kill: bool = False) -> int | None:
        """Close (or kill) the worker and reap it; its exit code."""
        self.conn.close()
        if not kill:
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        return self.process.exitcode


class PoolError(OSError):
    """The pool could not run a reader at all (its machine, not the file): the call failed, no record made.
    An OSError, so that `scrapy extract` counts it as a failure and goes on to the next file."""


class ExtractPool:
    """A fixed number of worker slots; :meth:`submit` queues a call and returns its future at once."""

    def __init__(self, limits: WorkerLimits | None = None) -> None:
        self.limits = limits or WorkerLimits()
        self._context = _context()
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._closed = False
        self._slots = [
            threading.Thread(target=self._slot, name=f"extract-slot-{n}", daemon=True)
            for n in range(self.limits.workers)
        ]
        for slot in self._slots:
            slot.start()

    def __enter__(self) -> ExtractPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` (a module-level function: it is pickled by name) in a worker."""
        if self._closed:
            raise RuntimeError("the extraction pool is closed")
        future: Future[Any] = Future()
        self._tasks.put(_Task(fn, args, kwargs, future))
        return future

    def close(self) -> None:
        """Finish the queued calls, then stop the workers."""
        if self._closed:
            return
        self._closed = True
        for _slot in self._slots:
            self._tasks.put(None)
        for slot in self._slots:
            slot.join()

    # ---- the bounded read of one file -------------------------------------------------------------
    def extract(
        self,
        data: bytes,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        url: str | None = None,
        crawl_meta: Mapping[str, Any] | None = None,
        limits: Limits = DEFAULT_LIMITS,
        policies: Mapping[str, dl.Policy] | None = None,
    ) -> Future[Record]:
        """:func:`crawler.extract.extract` in a worker; a worker that overran or died gives a P00 record."""
        meta = dict(crawl_meta or {})
        source_url = meta.get("source_url") or url
        sha256 = meta.get("file_sha256") or hashlib.sha256(data).hexdigest()
        kwargs = {"filename": filename, "content_type": content_type, "url": url, "crawl_meta": crawl_meta}
        inner = self.submit(_extract_task, data, limits=limits, policies=policies, **kwargs)
        return _as_record(inner, _doc_id(filename, source_url, data), source_url, sha256)

    def extract_file(
        self, path: str | os.PathLike[str], *, url: str | None = None, content_type: str | None = None
    ) -> Future[Record]:
        """:func:`crawler.extract.extract_file` in a worker (the worker reads the file, after its size cap)."""
        file = Path(path)
        digest = hashlib.sha256()
        with file.open("rb") as handle:  # the parent only hashes, in chunks: it never holds the file
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        inner = self.submit(_extract_file_task, str(file), url=url, content_type=content_type)
        return _as_record(inner, file.stem, url, digest.hexdigest())

    # ---- one slot: one worker at a time ------------------------------------------------------------
    def _slot(self) -> None:
        worker: _Worker | None = None
        try:
            while (task := self._tasks.get()) is not None:
                if not task.future.set_running_or_notify_cancel():
                    continue
                try:
                    if worker is None or not worker.process.is_alive():
                        worker = _Worker(self._context, self.limits.memory, self.limits.ocr_memory)
                    worker = self._run(worker, task)
                except Exception as exc:  # the pool itself failed (cannot fork, no file descriptors left)
                    # Not a property of the file: no P00 record, which would stand in the archive as if the
                    # file were unreadable. The caller logs it and the file is read again later.
                    log.exception("extraction worker could not run")
                    failure = PoolError(f"no extraction worker could be started: {type(exc).__name__}: {exc}")
                    task.future.set_exception(failure)
                    worker = None
        finally:
            if worker is not None:
                worker.stop()

    def _run(self, worker: _Worker, task: _Task) -> _Worker | None:
        """Run ``task`` on ``worker``; the worker to keep (None: it was killed or retired)."""
        try:
            worker.conn.send((task.fn, task.args, task.kwargs))
        except (BrokenPipeError, ConnectionResetError, EOFError):  # died while idle: one fresh worker
            worker.stop(kill=True)
            worker = _Worker(self._context, self.limits.memory, self.limits.ocr_memory)
            worker.conn.send((task.fn, task.args, task.kwargs))
        timeout, pages = self.limits.timeout, 0
        deadline = time.monotonic() + timeout
        while True:
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                worker.stop(kill=True)
                _sweep()
                limit = f"{timeout:g} s limit"
                if pages:
                    limit += f" and {self.limits.ocr_page_time:g} s per page read"
                log.warning("extraction worker killed: no answer within the %s", limit)
                task.future.set_exception(ReadError("time_limit", f"reading took longer than the {limit}"))
                return None
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                code = worker.stop(kill=True)
                _sweep()
                task.future.set_exception(self._death(code))
                return None
            if message != PAGE_READ:
                break
            pages += 1
            deadline += self.limits.ocr_page_time
        status, value, retire = message
        if status == "ok":
            task.future.set_result(value)
        else:
            task.future.set_exception(ReadError(*value))
        if retire:
            worker.stop()
            return None
        return worker

    def _death(self, code: int | None) -> ReadError:
        mib = self.limits.memory >> 20
        how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit status {code}"
        log.warning("extraction worker died (%s)", how)
        # A native library that cannot allocate under RLIMIT_AS aborts or crashes rather than raising.
        return ReadError("worker_crashed", f"the reader died ({how}) under the {mib} MiB memory limit")


def _as_record(inner: Future[Any], doc_id: str, source_url: str | None, sha256: str) -> Future[Record]:
    outer: Future[Record] = Future()

    def done(future: Future[Any]) -> None:
        failure = future.exception()
        try:
            if failure is None:
                data, text = future.result()
                outer.set_result(Record.from_dict(data, text))
            elif isinstance(failure, ReadError):
                outer.set_result(failed(doc_id, failure, source_url=source_url, file_sha256=sha256))
            else:
                outer.set_exception(failure)
        except Exception as exc:  # never leave the caller waiting
            outer.set_exception(exc)

    inner.add_done_callback(done)
    return outer


# ---- in the worker ---------------------------------------------------------------------------------
def _extract_task(data: bytes, **kwargs: Any) -> tuple[dict[str, Any], str]:
    record = extract(data, **kwargs)
    return record.to_dict(), record.text  # a Record holds read-only mappings, which do not pickle


def _extract_file_task(path: str, **kwargs: Any) -> tuple[dict[str, Any], str]:
    from crawler.extract.pipeline import extract_file  # noqa: PLC0415

    record = extract_file(path, **kwargs)
    return record.to_dict(), record.text


def _worker_main(conn: Connection, memory: int, ocr_memory: int) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(_WORKER_ENV)  # for the libraries that read it when first loaded (after the fork)
    _fewer_arenas()
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = max(memory, ocr_memory)
    hard = ceiling if hard == resource.RLIM_INFINITY else min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (min(memory, hard), hard))
    resident = 0  # address space the OCR models keep once loaded: the worker's limits count above it
    ocr.on_page_read = lambda: conn.send(PAGE_READ)
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return  # the pool closed
        retire = False
        before = ocr.address_space()
        try:
            status, value = "ok", fn(*args, **kwargs)
        except MemoryError:
            retire = True  # the heap may be left fragmented: this worker answers, then exits
            status, value = "error", ("memory_limit", f"the reader needed more than the {memory >> 20} MiB limit")
        except ReadError as failure:
            status, value = "error", (failure.reason, failure.detail)
        except Exception as exc:
            status, value = "error", ("reader_error", f"{type(exc).__name__}: {exc}")
        # The OCR models stay loaded for the worker's next scans (loading them costs ~1 s and 1 GB of page
        # faults): a file read after them gets the same EXTRACT_MEMORY_MB of its own, above the models, and
        # never more than the hard limit EXTRACT_OCR_MEMORY_MB. A worker left large by a file (more than
        # three quarters of its limit in use beyond the models) is retired: a fresh worker for the next file.
        # The parent is told in the answer, so it never mistakes this exit for a crash of the next reader.
        if not resident and ocr.resident_space():
            # the models and what their first page left them (ONNX Runtime's buffers, the heap they grew)
            resident = max(0, ocr.address_space() - before)
            resource.setrlimit(resource.RLIMIT_AS, (min(memory + resident, hard), hard))
        retire = retire or ocr.address_space() - resident > 0.75 * memory
        try:
            conn.send((status, value, retire))
        except MemoryError:
            retire = True
            conn.send(("error", ("memory_limit", "the record was too large to return"), True))
        if retire:
            return


def _fewer_arenas() -> None:
    """glibc reserves 64 MiB of address space per malloc arena, up to 8 per core, one per thread that
    allocates (ONNX Runtime's and OpenCV's thread pools): address space RLIMIT_AS counts though little of
    it is ever used. MALLOC_ARENA_MAX in the environment comes too late for a forked process."""
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        pass


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the worker still exits when its pipe closes
        pass


def _sweep() -> None:
    from crawler.extract.formats import legacy  # noqa: PLC0415

    legacy.sweep()


_CONTEXT: list[Any] = []


def _context() -> Any:
    """A forkserver context whose server has imported the readers once (fast, clean forks)."""
    if not _CONTEXT:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["crawler.extract", "crawler.extract.workers"])
        _CONTEXT.append(context)
    return _CONTEXT[0]
