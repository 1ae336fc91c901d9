"""Fixtures for the storage suite: one SeaweedFS server per test session, a fresh archive per test."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.store import LocalStore, Store
from crawler.store.s3 import S3Store
from tests.pgserver import PostgresServer
from tests.s3server import WeedServer
from tests.support import serving

_names = itertools.count()


@pytest.fixture(scope="session")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeedServer]:
    """A real S3 server (SeaweedFS `weed mini`) on loopback, shared by the session, stopped by PID."""
    yield from serving(WeedServer(tmp_path_factory.mktemp("weed") / "data"))


@pytest.fixture
def s3_env(weed: WeedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The environment a process needs to use ``weed`` (also set in this process), spool in tmp_path."""
    env = {**weed.env, "NIANBAO_SPOOL": str(tmp_path / "spool")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@dataclass
class Backend:
    """One archive under test, plus what a test needs to open it again or to attack it."""

    name: str
    uri: str
    open: Callable[[], Store]
    tamper: Callable[[int, dict[str, Any]], None]  # rewrite ledger entry n (0-based) with changed fields


def _local(tmp_path: Path) -> Backend:
    root = tmp_path / "archive"

    def tamper(n: int, changes: dict[str, Any]) -> None:
        lines = (root / "ledger.jsonl").read_text().splitlines()
        lines[n] = json.dumps({**json.loads(lines[n]), **changes}, sort_keys=True)
        (root / "ledger.jsonl").write_text("\n".join(lines) + "\n")

    return Backend("local", str(root), lambda: LocalStore(root), tamper)


def _s3(weed: WeedServer, tmp_path: Path) -> Backend:
    bucket, prefix = "archive", f"t{next(_names)}-{tmp_path.name}"[:60]
    client = weed.client()

    def open_() -> Store:
        # A new instance each time (not S3Store.from_uri's shared one): like another process would.
        return S3Store(bucket, prefix, client=weed.client(), spool_root=tmp_path / "spool")

    def tamper(n: int, changes: dict[str, Any]) -> None:
        name = f"{prefix}/_ledger/{n:012d}.json"
        entry = json.loads(client.get_object(Bucket=bucket, Key=name)["Body"].read())  # type: ignore[attr-defined]
        client.put_object(Bucket=bucket, Key=name, Body=json.dumps({**entry, **changes}).encode())  # type: ignore[attr-defined]

    return Backend("s3", f"s3://{bucket}/{prefix}", open_, tamper)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return _local(tmp_path)
    return _s3(request.getfixturevalue("weed"), tmp_path)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """Debian's PostgreSQL 15 on loopback, run as an unprivileged user (tests/pgserver.py). Skipped with the
    reason when it cannot start on a developer's machine; in CI (``CI`` set) that is a failure."""
    server = PostgresServer()
    try:
        server.start()
    except (RuntimeError, OSError, KeyError, subprocess.SubprocessError) as exc:
        server.stop()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL cannot start here ({exc}); install Debian's postgresql (scripts/setup.sh)")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with each catalog database: the default SQLite file, and PostgreSQL through
    ``NIANBAO_CATALOG_URL`` (inherited by the processes the test starts)."""
    if request.param == "sqlite":
        monkeypatch.delenv("NIANBAO_CATALOG_URL", raising=False)
        return "sqlite"
    url = request.getfixturevalue("postgres").url
    monkeypatch.setenv("NIANBAO_CATALOG_URL", url)
    return url
