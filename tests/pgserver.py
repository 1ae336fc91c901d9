"""A real PostgreSQL for tests: Debian's server (``postgresql`` package, version 15) started by the test.

PostgreSQL refuses to run as root, so when the tests run as root the cluster is made and run as the
unprivileged user ``nobody`` (its folder, under /tmp, is handed to that user). It listens on 127.0.0.1
on a free port, its Unix socket in its own folder, fsync off (test data), and is stopped by the PID in
its ``postmaster.pid``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.s3server import free_ports

BIN = Path(os.environ.get("NIANBAO_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "nobody"  # who runs the server when the tests run as root


@dataclass
class PostgresServer:
    port: int = field(default_factory=lambda: free_ports(1)[0])
    root: Path | None = None
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://nianbao@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        user = USER if os.geteuid() == 0 else None
        return subprocess.run(
            list(args), user=user, cwd="/tmp", capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self, timeout: float = 60) -> None:
        if not (BIN / "initdb").exists():
            raise RuntimeError(f"no PostgreSQL server in {BIN} (Debian package postgresql; scripts/setup.sh)")
        self.root = Path(tempfile.mkdtemp(prefix="nianbao-pg-"))
        if os.geteuid() == 0:
            entry = pwd.getpwnam(USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        data, sockets = self.root / "data", self.root / "sock"
        init = self._run(str(BIN / "initdb"), "-D", str(data), "-U", "nianbao", "--auth=trust", "-E", "UTF8",
                         "--no-locale", "--no-sync")  # fmt: skip
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr[-2000:]}")
        self._run("mkdir", str(sockets))
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sockets} -c fsync=off -c full_page_writes=off"
        started = self._run(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"), "-o", options,
                            "-w", "-t", str(int(timeout)), "start", timeout=timeout + 10)  # fmt: skip
        if started.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:] if self.root else ""
            raise RuntimeError(f"pg_ctl start failed: {started.stderr[-1000:]}\n{log}")
        self.pid = int((data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGINT)  # "fast" shutdown: ends sessions, stops at once
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    os.kill(self.pid, 0)
                    time.sleep(0.05)
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.pid = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
