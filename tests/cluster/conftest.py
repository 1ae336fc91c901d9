"""A real cluster for the queue tests: Redis and SeaweedFS on loopback, `scrapy worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.redisserver import RedisServer
from tests.s3server import WeedServer
from tests.support import FAST, ROOT, serving


@pytest.fixture(scope="module")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeedServer]:
    yield from serving(WeedServer(tmp_path_factory.mktemp("weed") / "data"))


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    yield from serving(RedisServer(tmp_path / "redis"))


@dataclass
class Cluster:
    redis: RedisServer
    weed: WeedServer
    tmp: Path
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.weed.env,
            "PYTHONPATH": str(ROOT),
            "NIANBAO_BROKER_URL": self.redis.url,
            # Short enough for a test to see a dead worker's task redelivered in about 15 s.
            "NIANBAO_QUEUE_VISIBILITY": "10",
            "NIANBAO_LEASE_TTL": "5",
        }

    def start_worker(self, name: str, *options: str, env: dict[str, str] | None = None) -> None:
        """`scrapy worker` in a session of its own, so the test can kill its whole process group; ``env``
        adds to the cluster's environment for this worker only."""
        log = (self.tmp / f"worker-{name}.log").open("ab")
        env = {**self.env, **(env or {}), "NIANBAO_SPOOL": str(self.tmp / f"spool-{name}")}  # one node's spool
        self.workers[name] = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "worker", "--name", f"{name}@test", "--loglevel", "INFO", *options],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()

    def kill_worker(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.workers[name]
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(30)

    def stop(self) -> None:
        for name, proc in self.workers.items():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    self.kill_worker(name)


@pytest.fixture
def cluster(
    redis_server: RedisServer, weed: WeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cluster]:
    """Redis, SeaweedFS (its endpoint also set in this process, to read the archive) and no worker yet."""
    for name, value in {**weed.env, "NIANBAO_SPOOL": str(tmp_path / "spool-test")}.items():
        monkeypatch.setenv(name, value)
    cluster = Cluster(redis_server, weed, tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()


def crawl_settings(cluster: Cluster, mirror: str, uri: str, name: str) -> dict[str, str]:
    """Settings of a fast crawl of the replica into ``uri``, with work folders of its own (``name``)."""
    work = cluster.tmp / name
    return {
        **FAST,
        "PORTAL_MIRROR": mirror,
        "STORE_URI": uri,
        "HTTPCACHE_DIR": f"{work}-httpcache",
        "CRAWLLOG_SPOOL": f"{work}-crawllog",
        "WARC_DIR": f"{work}-warc",
        "BROWSER_ENABLED": "False",
    }


def setting_opts(settings: dict[str, str]) -> list[str]:
    """``-s NAME=VALUE`` for each setting."""
    return [x for name, value in settings.items() for x in ("-s", f"{name}={value}")]


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.5)
