"""`bash scripts/cluster.sh up|down`: a local cluster on loopback, and exactly it stopped again."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import boto3
import redis
from celery import Celery

from tests.support import ROOT


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state  # a zombie has exited; only its parent's reaping is left


def _script(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "scripts/cluster.sh", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip


def test_cluster_up_writes_the_client_environment_and_down_stops_what_it_started(tmp_path: Path) -> None:
    folder = tmp_path / "cluster"
    env = {**os.environ, "NIANBAO_CLUSTER_DIR": str(folder)}
    up = _script("up", env)
    pids: dict[str, int] = {}
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        pids = {line.split()[0]: int(line.split()[1]) for line in (folder / "pids").read_text().splitlines()}
        assert sorted(pids) == ["redis", "seaweedfs", "worker1", "worker2"]
        assert (folder / "env").stat().st_mode & 0o777 == 0o600  # it holds the S3 secret
        values = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (folder / "env").read_text().splitlines()
            if line.startswith("export ")
        )
        assert sorted(values) == ["AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                                  "AWS_SECRET_ACCESS_KEY", "NIANBAO_BROKER_URL", "NIANBAO_STORE_URI"]  # fmt: skip
        assert values["NIANBAO_BROKER_URL"].startswith("redis://127.0.0.1:")
        assert values["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        assert values["NIANBAO_STORE_URI"] == "s3://nianbao/archive"
        assert redis.Redis.from_url(values["NIANBAO_BROKER_URL"]).ping()
        s3 = boto3.client("s3", endpoint_url=values["AWS_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"])  # fmt: skip
        assert "Buckets" in s3.list_buckets()
        # Both workers answer on the broker.
        app = Celery(broker=values["NIANBAO_BROKER_URL"])
        deadline = time.monotonic() + 120
        nodes: set[str] = set()
        while len(nodes) < 2 and time.monotonic() < deadline:
            nodes = {name for reply in app.control.ping(timeout=2) for name in reply}
        assert len(nodes) == 2 and all(n.startswith(("w1@", "w2@")) for n in nodes)
        again = _script("up", env)
        assert again.returncode == 1 and "already up" in again.stdout
    finally:
        down = _script("down", env)
    assert down.returncode == 0, down.stdout + down.stderr
    assert all(_gone(pid) for pid in pids.values())
    assert not (folder / "pids").exists()
    assert "not up" in _script("status", env).stdout
