"""A real S3 server for tests: SeaweedFS ``weed mini`` from the venv, on loopback, telemetry off.

``weed mini`` listens on about a dozen ports (master, volume, filer, S3, admin, each with a gRPC twin);
every one of them is chosen free here so that parallel test runs, or a developer's own SeaweedFS on the
default ports, never collide. It is stopped by its PID; restarting on the same data directory and ports
keeps every object and version (used by the "S3 goes away mid-crawl" test).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config

WEED = Path(sys.executable).with_name("weed")
PROBE_BUCKET = "nianbao-test-ready"  # written once per start, never an archive
ACCESS_KEY = "nianbao-test"
SECRET_KEY = "nianbao-test-secret"  # a throwaway credential of the throwaway test server

# Every port flag of `weed mini` (see `weed mini -h`); the gRPC ones default to HTTP port + 10000,
# which can collide or overflow, so they are chosen explicitly too.
PORT_FLAGS = (
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
        return [s.getsockname()[1] for s in socks]
    finally:
        for sock in socks:
            sock.close()


@dataclass
class WeedServer:
    data_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        if not self.ports:
            self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    @property
    def env(self) -> dict[str, str]:
        """What a client (a `scrapy` subprocess, boto3) needs to reach this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def client(self) -> object:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def start(self, timeout: float = 30) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            str(WEED),
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        env.pop("AWS_ENDPOINT_URL", None)
        log = (self.data_dir.parent / f"{self.data_dir.name}.log").open("ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.data_dir)
        log.close()
        deadline = time.monotonic() + timeout
        client = self.client()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed mini exited {self.proc.returncode}; see {log.name}")
            try:
                buckets = client.list_buckets()["Buckets"]  # type: ignore[attr-defined]
                # Answering is not being writable: a restarted server lists buckets before its volume
                # server has registered again, and a put then fails. Ready means a probe write succeeds.
                if not any(b["Name"] == PROBE_BUCKET for b in buckets):
                    client.create_bucket(Bucket=PROBE_BUCKET)  # type: ignore[attr-defined]
                client.put_object(Bucket=PROBE_BUCKET, Key="probe", Body=b"ready")  # type: ignore[attr-defined]
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed mini did not answer S3 within {timeout} s; see {log.name}") from None
                time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
        """Stop the server by its PID (SIGKILL if it does not exit in ``timeout`` seconds)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
