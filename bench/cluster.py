"""Queue benchmark: crawl throughput through the work queue with 1 and 2 workers. Prints figures, asserts nothing.

    .venv/bin/python bench/cluster.py [--portals wuchang,qiaokou,jiangan,hanyang] [--years 2024]

Real Redis, real SeaweedFS, the replica in this process, `scrapy worker` processes; politeness and
extraction off (this measures crawling through the queue, not reading reports). Three runs, each into a
fresh bucket and a fresh Redis database: one worker; two workers with the per-archive lease off
(``NIANBAO_ARCHIVE_LEASE=0``, the default since the catalog database: crawls of different portals into one
archive at once); two workers with the lease on (opt-in: one crawl per archive at a time).
Wall time runs from the first `enqueue` to the last job's end; archive versions per second counts what
the crawls stored (the ledger).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.cluster.jobs import JobBook  # noqa: E402
from crawler.store import open_store  # noqa: E402
from replica.server import start_in_thread  # noqa: E402
from replica.site import Site  # noqa: E402
from tests.redisserver import RedisServer  # noqa: E402
from tests.s3server import WeedServer  # noqa: E402

FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        "EXTRACT_ENABLED": "False", "BROWSER_ENABLED": "False", "LOG_LEVEL": "INFO"}  # fmt: skip


def one_run(
    name: str, workers: int, archive_lease: bool, portals: list[str], years: str, work: Path, mirror: str,
    redis: RedisServer, weed: WeedServer,
) -> tuple[float, int, list[str]]:  # fmt: skip
    """(wall seconds, archive versions stored, job outcomes)."""
    redis.client().flushall()
    env = {**os.environ, **weed.env, "PYTHONPATH": str(ROOT), "NIANBAO_BROKER_URL": redis.url,
           "NIANBAO_ARCHIVE_LEASE": "1" if archive_lease else "0"}  # fmt: skip
    uri = f"s3://bench-{name}/archive"
    settings = {**FAST, "PORTAL_MIRROR": mirror, "STORE_URI": uri, "HTTPCACHE_DIR": str(work / f"{name}-cache"),
                "CRAWLLOG_SPOOL": str(work / f"{name}-crawllog"), "WARC_DIR": str(work / f"{name}-warc")}  # fmt: skip
    procs = []
    for n in range(workers):
        log = (work / f"{name}-worker{n}.log").open("ab")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "scrapy", "worker", "--name", f"{name}{n}@bench"], cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, env={**env, "NIANBAO_SPOOL": str(work / f"spool{n}")},
        ))  # fmt: skip
        log.close()
    time.sleep(8)  # let the workers connect, so start-up is not counted as crawling
    try:
        started = time.monotonic()
        opts = [x for k, v in settings.items() for x in ("-s", f"{k}={v}")]
        out = subprocess.run([sys.executable, "-m", "scrapy", "enqueue", *portals, "-a", f"years={years}", *opts],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout  # fmt: skip
        ids = [line.split("\t")[0] for line in out.splitlines()]
        book = JobBook(redis.client())
        while not all(j.final for j in book.all(ids)):
            time.sleep(0.5)
        seconds = time.monotonic() - started
        outcomes = [f"{j.portal}: {j.outcome}" for j in book.all(ids)]
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(60)
    for key, value in weed.env.items():
        os.environ[key] = value
    versions = sum(1 for _ in open_store(uri).ledger())
    return seconds, versions, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", default="wuchang,qiaokou,jiangan,hanyang")
    parser.add_argument("--years", default="2024", help="spider argument years= of every crawl")
    args = parser.parse_args()
    portals = [p for p in args.portals.split(",") if p]
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-queue-") as tmp:
        work = Path(tmp)
        redis = RedisServer(work / "redis")
        weed = WeedServer(work / "weed")
        replica = start_in_thread(Site(seed=0), port=0)
        redis.start()
        weed.start()
        try:
            runs = [("one", 1, True), ("two", 2, False), ("twolease", 2, True)]
            results = {}
            for name, workers, lease in runs:
                results[name] = one_run(name, workers, lease, portals, args.years, work, replica.url, redis, weed)
        finally:
            replica.shutdown()
            weed.stop()
            redis.stop()
    print(f"queue benchmark: {len(portals)} portals ({', '.join(portals)}), years={args.years}, "
          f"politeness and extraction off; {os.cpu_count()} cores")  # fmt: skip
    print(f"{'run':<34} {'wall s':>8} {'versions':>9} {'versions/s':>11} {'vs 1 worker':>12}")
    base = results["one"][0]
    labels = {"one": "1 worker", "two": "2 workers, archive lease off", "twolease": "2 workers, archive lease on"}
    for name, (seconds, versions, outcomes) in results.items():
        print(f"{labels[name]:<34} {seconds:8.1f} {versions:9d} {versions / seconds:11.1f} {base / seconds:11.2f}x")
        bad = [o for o in outcomes if not o.endswith(": succeeded")]
        if bad:
            print(f"  not succeeded: {'; '.join(bad)}")


if __name__ == "__main__":
    main()
