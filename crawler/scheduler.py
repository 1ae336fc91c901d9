"""Run each portal's crawl on its schedule, then its alerts and the dashboard.

* never two runs of one portal at once: a per-portal ``flock`` on ``{state}/locks/{portal}.lock`` —
  the kernel drops it when its holder dies, so a crash leaves no stale lock;
* a run missed while the machine was down is caught up once, not once per missed slot: the time of
  each portal's last run is kept in ``{state}/schedule.json``;
* each crawl runs as its own ``scrapy crawl`` process, so one portal's failure cannot stop the others.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from croniter import croniter

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "schedule.yaml"


@dataclass(frozen=True)
class Schedule:
    timezone: ZoneInfo
    crons: dict[str, tuple[str, ...]]  # portal → cron expressions
    after_crawl: tuple[tuple[str, ...], ...] = ()

    def previous(self, portal: str, now: dt.datetime) -> dt.datetime:
        return max(croniter(c, now.astimezone(self.timezone)).get_prev(dt.datetime) for c in self.crons[portal])

    def next(self, portal: str, now: dt.datetime) -> dt.datetime:
        return min(croniter(c, now.astimezone(self.timezone)).get_next(dt.datetime) for c in self.crons[portal])


def load_schedule(portals: list[str], path: str | os.PathLike[str] | None = None) -> Schedule:
    path = Path(path or os.environ.get("NIANBAO_SCHEDULE") or DEFAULT_CONFIG)
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    default = tuple(raw.get("default") or ("30 6 * * *",))
    overrides = raw.get("portals") or {}
    crons = {p: tuple(overrides.get(p) or default) for p in portals}
    for portal, expressions in crons.items():
        for expression in expressions:
            if not croniter.is_valid(expression):
                raise ValueError(f"{path}: portals.{portal}: not a cron expression: {expression!r}")
    after = tuple(tuple(step) for step in raw.get("after_crawl") or ())
    return Schedule(ZoneInfo(raw.get("timezone", "Asia/Shanghai")), crons, after)


@dataclass
class Scheduler:
    schedule: Schedule
    state_dir: Path
    scrapy_args: list[str] = field(default_factory=list)  # passed to every child command (-s …)
    runner: Callable[[list[str]], int] | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def __post_init__(self) -> None:
        (self.state_dir / "locks").mkdir(parents=True, exist_ok=True)
        self.state_file = self.state_dir / "schedule.json"

    # ---- state -------------------------------------------------------------------------------
    def _last_runs(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            data = {}
        return data

    def _record(self, portal: str, when: dt.datetime) -> None:
        runs = self._last_runs()
        runs[portal] = when.isoformat()
        partial = self.state_file.with_suffix(".tmp")
        partial.write_text(json.dumps(runs, indent=1))
        os.replace(partial, self.state_file)

    def due(self, now: dt.datetime) -> list[str]:
        """Portals whose latest scheduled time has passed since their last run (missed runs count once)."""
        runs = self._last_runs()
        due = []
        for portal in self.schedule.crons:
            last = dt.datetime.fromisoformat(runs[portal]) if portal in runs else None
            if last is None or last < self.schedule.previous(portal, now):
                due.append(portal)
        return due

    # ---- running -----------------------------------------------------------------------------
    @contextmanager
    def lock(self, portal: str) -> Iterator[bool]:
        with open(self.state_dir / "locks" / f"{portal}.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, args: list[str]) -> int:
        if self.runner is not None:
            return self.runner(args)
        command = [sys.executable, "-m", "scrapy", *args, *self.scrapy_args]
        logger.info("schedule: %s", " ".join(command))
        return subprocess.run(command, cwd=ROOT, check=False).returncode

    def run_portal(self, portal: str) -> bool:
        with self.lock(portal) as acquired:
            if not acquired:
                logger.warning("schedule: %s is already being crawled by another process; skipped", portal)
                return False
            started = self.clock()
            code = self._run(["crawl", portal])
            # Recorded even when the crawl failed: the failure is in its crawl log and alerts; retrying
            # in a tight loop would only hammer a portal that is down.
            self._record(portal, started)
            if code != 0:
                logger.error("schedule: crawl of %s exited %s", portal, code)
            for step in self.schedule.after_crawl:
                args = [part.replace("{portal}", portal) for part in step]
                if (result := self._run(args)) not in (0, 1):  # status/alert use 1 for "found problems"
                    logger.error("schedule: %s exited %s", " ".join(args), result)
            return True

    def run_due(self) -> list[str]:
        ran = []
        for portal in self.due(self.clock()):
            if self.run_portal(portal):
                ran.append(portal)
        return ran

    def forever(self, tick: float = 30.0, max_runs: int | None = None, until: dt.datetime | None = None) -> int:
        """Run due crawls, then sleep until the next one is due (checking every ``tick`` seconds)."""
        runs = 0
        while True:
            runs += len(self.run_due())
            if (max_runs is not None and runs >= max_runs) or (until is not None and self.clock() >= until):
                return runs
            time.sleep(tick)


def crontab(schedule: Schedule, project: Path, state_dir: Path) -> str:
    lines = [
        f"# nianbao crawls ({schedule.timezone.key}); flock keeps one run per portal at a time",
        f"CRON_TZ={schedule.timezone.key}",
    ]
    for portal, expressions in schedule.crons.items():
        lock = state_dir / "locks" / f"{portal}.lock"
        after = " && ".join(
            f".venv/bin/scrapy {' '.join(step).replace('{portal}', portal)}" for step in schedule.after_crawl
        )
        job = f"cd {project} && flock -n {lock} .venv/bin/scrapy crawl {portal}" + (f"; {after}" if after else "")
        lines += [f"{expression} {job}" for expression in expressions]
    return "\n".join(lines)


def _on_calendar(expression: str) -> str:
    """A cron expression (numbers, ranges, lists, *) as a systemd OnCalendar value."""
    minute, hour, day, month, weekday = expression.split()
    names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    def part(value: str) -> str:
        return "*" if value == "*" else value.replace("-", "..")

    days = "" if weekday == "*" else ",".join(
        "..".join(names[int(x)] for x in item.split("-")) for item in weekday.split(",")
    ) + " "  # fmt: skip
    return f"{days}*-{part(month)}-{part(day)} {part(hour)}:{part(minute)}:00"


def systemd_units(schedule: Schedule, project: Path) -> str:
    out = []
    for portal, expressions in schedule.crons.items():
        after = "".join(f"\nExecStartPost=-{project}/.venv/bin/scrapy {' '.join(step).replace('{portal}', portal)}"
                        for step in schedule.after_crawl)  # fmt: skip
        out.append(f"# /etc/systemd/system/nianbao-{portal}.service\n[Unit]\nDescription=nianbao crawl of {portal}\n\n"
                   f"[Service]\nType=oneshot\nWorkingDirectory={project}\n"
                   f"ExecStart={project}/.venv/bin/scrapy crawl {portal}{after}\n")  # fmt: skip
        calendars = "\n".join(f"OnCalendar={_on_calendar(e)} {schedule.timezone.key}" for e in expressions)
        out.append(f"# /etc/systemd/system/nianbao-{portal}.timer\n[Unit]\nDescription=nianbao schedule of {portal}\n\n"
                   f"[Timer]\n{calendars}\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n")  # fmt: skip
    return "\n".join(out)
