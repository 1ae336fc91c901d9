"""Crawl benchmark: prints figures, asserts nothing.

    .venv/bin/python bench/crawl.py [--out bench/RESULTS.md]   (--out: adds the run as the file's newest section)

* baseline: ``scrapy bench`` (Scrapy's own local link-following benchmark), run in this script;
* 1×: a full crawl of the replica's 武昌区 (14 streets, 95 reports) with politeness off;
* 10×: a full crawl of the 15 Wuhan portals of config/portals.yaml (1,030 reports: 10.8× the reports of
  1×); ``scrapy crawlall`` alone would also crawl the Hubei county portals of config/hubei.yaml, which
  would change what 10× means from run to run, so they are left out by ``--portals``;
* pages/s of each beside the baseline's (ratio), counted like the baseline over the crawl's own running time
  (Scrapy's ``start_time`` to ``finish_time``, as ``scrapy bench`` counts its 10 s), and over the process's
  wall time (Python's start-up and shutdown included) beside it; peak RSS of each crawl process;
* a no-change re-crawl of 1× the next day (``REVALIDATE_TODAY``: tiered revalidation asks again for the
  list pages and that day's share of the reports): requests, bytes the server sent and wall time, as
  fractions of the full crawl; then one a day to the end of the revalidation window (``REVALIDATE_DAYS``)
  and their mean; then the full crawl and the next day's at the crawl's default politeness (about one
  request a second per host, a few minutes) (``--recrawl-only``: just these crawls);
* a full crawl of 1× with extraction on beside the same crawl with it off (``--extraction-only``: just
  these), alternated, the best of two each: what extraction adds to a crawl's time (issue 16 item 2); and
  the crawl handing its files to the cluster's extract queue (``EXTRACT_HANDOFF=queue``, a ``redis-server``
  on loopback) beside the same crawl without extraction, then how long one ``scrapy worker`` (concurrency
  1) takes to drain that queue, from its start to the last job's end (skipped without ``redis-server``);
* extraction throughput: ``bench/extract.py``, run as it is, its table recorded beside (crawls run
  with extraction off, so pages/s measures crawling; ``--no-extract-bench`` skips it).

10× is "every Wuhan portal" rather than a scaled-up 武昌: the 15 portals together are 10.8× the reports
of 1× with their real variety (layouts, discovery, a challenge), and the replica world needs no knob.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler import settings as defaults  # noqa: E402
from crawler.registry import DEFAULT_PATH, load_registry  # noqa: E402
from replica.server import ReplicaServer, start_in_thread  # noqa: E402
from replica.site import Site  # noqa: E402

# Politeness off; extraction off, so pages/s measures crawling (bench/extract.py measures extraction).
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "LOG_LEVEL=INFO", "-s", "EXTRACT_ENABLED=False"]  # fmt: skip


# The crawl's own politeness settings, restored over FAST (the last -s of a name wins) for polite_line.
POLITE = [arg for name in ("DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS_PER_DOMAIN")
          for arg in ("-s", f"{name}={getattr(defaults, name)}")]  # fmt: skip
WINDOW = defaults.REVALIDATE_DAYS


def run(args: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MiB (Scrapy's memusage/max) and log of one `scrapy` process."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, check=False)  # fmt: skip
    elapsed = time.monotonic() - started
    peaks = [int(m) for m in re.findall(r"'memusage/max': (\d+)", proc.stderr)]
    return elapsed, max(peaks) // 2**20 if peaks else -1, proc.stderr + proc.stdout


def stat(log: str, name: str) -> int:
    """A stat summed over every crawler of the process (crawlall runs fifteen)."""
    return sum(int(v) for v in re.findall(rf"'{re.escape(name)}': (\d+)", log))


_FINISH = re.compile(r"'finish_time': datetime\.datetime\((\d+), (\d+), (\d+), (\d+), (\d+)(?:, (\d+))?(?:, (\d+))?")


def running_seconds(log: str) -> float:
    """The crawl's own running time from Scrapy's stats: from the first crawler's start to the last one's
    finish (``crawlall`` runs its crawlers side by side in one process), without the process's start-up."""
    finishes = []
    for match in _FINISH.finditer(log):
        y, mo, d, h, mi, sec, us = (int(x or 0) for x in match.groups())
        finishes.append(dt.datetime(y, mo, d, h, mi, sec, us).timestamp())
    elapsed = [float(x) for x in re.findall(r"'elapsed_time_seconds': ([\d.]+)", log)]
    if not finishes or len(finishes) != len(elapsed):
        return float("nan")
    return max(finishes) - min(f - e for f, e in zip(finishes, elapsed, strict=True))


def crawl(
    args: list[str],
    server: ReplicaServer,
    store: Path,
    day: dt.date | None = None,
    extract: bool = False,
    more: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, int, int, int, int, float]:
    """(seconds, peak MiB, responses, bytes the server sent, requests, seconds of the crawl's own running
    time), crawling as on ``day``; ``more``: further ``-s`` options, ``env``: the process's environment."""
    before = server.bytes_sent
    settings = [*FAST, "-s", f"PORTAL_MIRROR={server.url}", "-s", f"STORE_URI={store}",
                "-s", f"HTTPCACHE_DIR={store}-cache", "-s", "MEMUSAGE_ENABLED=True",
                # Its own crawl-log spool and WARC work folder: never the checkout's shared ones under .scrapy/.
                "-s", f"CRAWLLOG_SPOOL={store}-spool", "-s", f"WARC_DIR={store}-warc"]  # fmt: skip
    if extract:
        settings += ["-s", "EXTRACT_ENABLED=True"]  # the last -s of a name wins
    if day is not None:
        settings += ["-s", f"REVALIDATE_TODAY={day.isoformat()}"]
    seconds, peak, log = run([*args, *settings, *(more or [])], env=env)
    responses = stat(log, "downloader/response_count")
    requests = stat(log, "downloader/request_count")
    return seconds, peak, responses, server.bytes_sent - before, requests, running_seconds(log)


def recrawl_line(one: tuple[float, ...], again: tuple[float, ...]) -> str:
    """The no-change re-crawl beside the full crawl, in the shape compared from run to run (issue 16)."""
    return f"no-change re-crawl: {share(one, again[4], f'{again[4]} requests', again[0])}"


def share(one: tuple[float, ...], requests: float, said: str, seconds: float) -> str:
    """``said`` (the requests as printed) and ``seconds`` as fractions of the full crawl ``one``."""
    return (f"{said} ({100 * requests / one[4]:.1f} % of the full crawl's requests), {seconds:.1f} s "
            f"({100 * seconds / one[0]:.1f} % of the full crawl's time)")  # fmt: skip


def window_line(
    server: ReplicaServer, store: Path, one: tuple[float, ...], again: tuple[float, ...], day: dt.date
) -> str:
    """The no-change re-crawls of 1× on each day of one revalidation window: ``again``, the first (on the day
    after the full crawl into ``store``), then one a day from ``day``. A day draws the share of the reports
    that falls due on it, which varies; the window's mean is what a daily schedule makes (issue 16 item 1)."""
    later = [crawl(["crawl", "wuchang"], server, store, day + dt.timedelta(days=n)) for n in range(WINDOW - 1)]
    recrawls = [again, *later]
    requests = [recrawl[4] for recrawl in recrawls]
    mean_requests, mean_seconds = sum(requests) / WINDOW, sum(recrawl[0] for recrawl in recrawls) / WINDOW
    return (f"over the {WINDOW} days of the window (REVALIDATE_DAYS={WINDOW}), daily no-change re-crawls made "
            f"{', '.join(map(str, requests))} requests: on average "
            f"{share(one, mean_requests, f'{mean_requests:.1f}', mean_seconds)}")  # fmt: skip


def polite_line(server: ReplicaServer, today: dt.date) -> str:
    """The full crawl of 1× and its next day's re-crawl at the crawl's default politeness (about one request
    a second per host), where a crawl's time is its requests' (the figures of issue 16 were taken so)."""
    with tempfile.TemporaryDirectory() as tmp:
        one = crawl(["crawl", "wuchang"], server, Path(tmp) / "one", today, more=POLITE)
        again = crawl(["crawl", "wuchang"], server, Path(tmp) / "one", today + dt.timedelta(days=1), more=POLITE)
    return (f"at the default politeness (DOWNLOAD_DELAY={defaults.DOWNLOAD_DELAY:g} s, AutoThrottle): full crawl "
            f"{one[4]} requests in {one[0]:.1f} s; {recrawl_line(one, again)}")  # fmt: skip


def extraction_line(server: ReplicaServer, rounds: int = 2) -> str:
    """A full crawl of 1× with extraction on beside the same crawl with it off (issue 16 item 2), each into
    a fresh archive, alternated ``rounds`` times (the machine is shared: neighbours' load falls on both)."""
    on: list[float] = []
    off: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            off.append(crawl(["crawl", "wuchang"], server, Path(tmp) / f"off{n}")[0])
            on.append(crawl(["crawl", "wuchang"], server, Path(tmp) / f"on{n}", extract=True)[0])
    t_on, t_off = min(on), min(off)  # the least disturbed run of each
    return (f"extraction on vs off, 1× wuchang: {t_on:.1f} s vs {t_off:.1f} s ({t_on / t_off:.2f}× the crawl "
            f"without extraction; best of {rounds} alternated runs each)")  # fmt: skip


def queue_line(server: ReplicaServer, rounds: int = 2) -> str:
    """The crawl of 1× handing its files to the cluster's extract queue (``EXTRACT_HANDOFF=queue``) beside
    the same crawl without extraction, alternated ``rounds`` times, then one ``scrapy worker`` draining the
    last crawl's queue (issue 16 item 2). A ``redis-server`` on loopback, emptied before each crawl."""
    if shutil.which("redis-server") is None:
        return "extraction handed to the queue: skipped (no redis-server binary on this machine)"
    import redis  # noqa: PLC0415 - only here: the rest of the benchmark needs no broker

    from crawler.cluster.jobs import JobBook  # noqa: PLC0415

    with socket.socket() as sock:  # a free loopback port for the broker
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    env = {"NIANBAO_BROKER_URL": url}
    queued: list[float] = []
    off: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        broker = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)  # fmt: skip
        client = redis.Redis.from_url(url)
        try:
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            for n in range(rounds):
                off.append(crawl(["crawl", "wuchang"], server, Path(tmp) / f"qoff{n}")[0])
                client.flushall()  # this crawl's jobs only: the drain below reads the last one's
                more = ["-s", "EXTRACT_HANDOFF=queue"]
                queued.append(crawl(["crawl", "wuchang"], server, Path(tmp) / f"queue{n}", extract=True, more=more,
                                    env=env)[0])  # fmt: skip
            book = JobBook(client)
            jobs = len(book.all())
            started = time.monotonic()
            worker = subprocess.Popen([sys.executable, "-m", "scrapy", "worker", "--queues", "extract",
                                       "--concurrency", "1", "--loglevel", "WARNING"], cwd=ROOT,
                                      env={**os.environ, "PYTHONPATH": str(ROOT), **env}, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
            try:
                while not all(j.final for j in book.all()):
                    time.sleep(0.5)
                drained = time.monotonic() - started
            finally:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(60)
            failed = sum(1 for j in book.all() if j.state != "succeeded")
        finally:
            client.close()
            broker.terminate()
            broker.wait(10)
    t_queue, t_off = min(queued), min(off)
    return (f"extraction handed to the queue vs off, 1× wuchang: {t_queue:.1f} s vs {t_off:.1f} s "
            f"({t_queue / t_off:.2f}× the crawl without extraction; best of {rounds} alternated runs each); "
            f"one worker (concurrency 1) drained its {jobs} jobs in {drained:.1f} s from its start "
            f"({failed} not succeeded)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the results as markdown here")
    parser.add_argument("--recrawl-only", action="store_true", help="only the full crawl of 1× and its re-crawls")
    parser.add_argument("--extraction-only", action="store_true", help="only 1× with extraction on and off")
    parser.add_argument("--no-extract-bench", action="store_true", help="skip bench/extract.py's table")
    opts = parser.parse_args()
    today = dt.datetime.now(dt.UTC).date()
    tomorrow = today + dt.timedelta(days=1)
    site = Site(seed=0)
    site.manifest()  # render every document once, outside the timed crawls
    server = start_in_thread(site)
    lines: list[str] = []
    # The Wuhan registry only (config/portals.yaml): the figures stay comparable with the earlier runs'.
    wuhan = list(load_registry(DEFAULT_PATH).portals)

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    if opts.extraction_only:
        say(extraction_line(server))
        say(queue_line(server))
        say(f"load average after the run {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        server.shutdown()
        return
    if opts.recrawl_only:
        with tempfile.TemporaryDirectory() as tmp:
            one = crawl(["crawl", "wuchang"], server, Path(tmp) / "one", today)
            again = crawl(["crawl", "wuchang"], server, Path(tmp) / "one", tomorrow)
            say(f"1×  wuchang: {one[4]} requests in {one[0]:.1f} s")
            say(recrawl_line(one, again))
            say(window_line(server, Path(tmp) / "one", one, again, tomorrow + dt.timedelta(days=1)))
        say(polite_line(server, today))
        say(f"load average after the run {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        server.shutdown()
        return
    with tempfile.TemporaryDirectory() as outside:  # outside the project: Scrapy's own default settings
        _seconds, _peak, log = run(["bench", "-s", "CLOSESPIDER_TIMEOUT=10", "-s", "LOG_LEVEL=INFO"], Path(outside))
    bench_pages = stat(log, "response_received_count")
    bench_rate = bench_pages / 10.0
    say(f"baseline  scrapy bench: {bench_pages} pages in 10 s = {bench_rate:.1f} pages/s")
    with tempfile.TemporaryDirectory() as tmp:
        one = crawl(["crawl", "wuchang"], server, Path(tmp) / "one", today)
        ten = crawl(["crawlall", "--portals", ",".join(wuhan)], server, Path(tmp) / "ten", today)
        again = crawl(["crawl", "wuchang"], server, Path(tmp) / "one", tomorrow)  # the next day's crawl
        window = window_line(server, Path(tmp) / "one", one, again, tomorrow + dt.timedelta(days=1))
    ten_label = f"10× all {len(wuhan)} Wuhan portals"
    for label, (secs, peak, responses, sent, _requests, running) in (("1×  wuchang", one), (ten_label, ten)):
        # Like for like: `scrapy bench` counts its spider's 10 s of running, not its process's start and end.
        rate, wall_rate = responses / running, responses / secs
        say(f"{label}: {responses} responses in {running:.1f} s of crawling = {rate:.1f} pages/s "
            f"({rate / bench_rate:.2f}× scrapy bench); process wall time {secs:.1f} s = {wall_rate:.1f} pages/s "
            f"({wall_rate / bench_rate:.2f}×); peak RSS {peak} MiB; {sent / 1e6:.1f} MB served")  # fmt: skip
    share_bytes, share_time = again[3] / one[3], again[0] / one[0]
    say(f"no-change re-crawl of 1×: {again[3] / 1e3:.1f} kB served ({share_bytes:.3%} of the full crawl), "
        f"{again[0]:.1f} s ({share_time:.0%} of the full crawl's time); {again[2]} responses")  # fmt: skip
    say(recrawl_line(one, again))
    say(window)
    say(polite_line(server, today))
    say(extraction_line(server))
    say(queue_line(server))
    # Extraction has its own benchmark; its table is printed and recorded as it comes.
    # --producers: also the LibreOffice / Chromium / reportlab PDFs and a scan of the test format corpus.
    extraction = ""
    if not opts.no_extract_bench:
        proc = subprocess.run([sys.executable, str(ROOT / "bench" / "extract.py"), "--producers"], cwd=ROOT,
                              capture_output=True,
                              text=True, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              timeout=1800)  # fmt: skip
        extraction = proc.stdout.strip() or f"bench/extract.py failed:\n{proc.stderr[-2000:]}"
        print(extraction, flush=True)
    import scrapy  # noqa: PLC0415 - only for its version

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    machine = (f"{platform.system()} {platform.machine()}, nproc {os.cpu_count()}, {memory:.0f} GiB RAM, "
               f"Python {platform.python_version()}, Scrapy {scrapy.__version__}; load average after the run {load} "
               "(a shared machine: other work ran meanwhile)")  # fmt: skip
    say(f"machine: {machine}")
    server.shutdown()
    if opts.out:
        record(opts.out, lines, extraction)


TITLE = "# Crawl benchmark\n"


def record(out: Path, lines: list[str], extraction: str) -> None:
    """Add this run to ``out`` as its newest section, under the title: the earlier runs stay beside it
    (bench/RESULTS.md keeps the before and after figures of each change)."""
    section = (
        f"## Run of {time.strftime('%Y-%m-%d %H:%M')} UTC (`bench/crawl.py --out`)\n\n"
        "Figures are printed, never asserted. Pages/s count the crawl's "
        "own running time (Scrapy's start_time to finish_time, as `scrapy bench` counts its 10 s), the process's "
        "wall time beside; other crawl times are wall times, including starting a `scrapy` process; "
        "the no-change re-crawl runs as on the next day: it asks again for "
        "every column's first list page and that day's share of the archived reports (tiered revalidation, "
        "`REVALIDATE_DAYS`), each answered 304 with no body. "
        "Peak RSS is Scrapy's `memusage/max` of the crawl process; bytes are response bodies the replica "
        "sent. The crawls run with extraction off; extraction is measured on its own below.\n\n"
    )
    section += "\n".join(f"- {line}" for line in lines) + "\n"
    if extraction:
        section += f"\nExtraction (`bench/extract.py`):\n\n```\n{extraction}\n```\n"
    earlier = out.read_text(encoding="utf-8") if out.exists() else TITLE
    body = earlier.removeprefix(TITLE).lstrip("\n")
    out.write_text(f"{TITLE}\n{section}\n{body}", encoding="utf-8")


if __name__ == "__main__":
    main()
