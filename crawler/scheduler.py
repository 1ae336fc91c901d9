"""Run each portal's crawl on its schedule, then its status, alerts and the dashboard.

* never two runs of one portal at once: a per-portal ``flock`` on ``{state}/locks/{portal}.lock`` —
  the kernel drops it when its holder dies, so a crash leaves no stale lock;
* a run missed while the machine was down is caught up once, not once per missed slot: the time of
  each portal's last run is kept in ``{state}/schedule.json``;
* each crawl runs as its own ``scrapy crawl`` process with ``JOBDIR={state}/jobs/{portal}``, so one
  portal's failure cannot stop the others, and a crawl killed mid-way (kill -9, power cut) is resumed
  by the portal's next run under the same crawl id instead of being started over;
* the after-crawl commands (``status``, ``alert``, ``dashboard``…) run only if the project has them:
  a missing one is skipped with a log line.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from croniter import croniter

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "schedule.yaml"
Moment = dt.datetime


@dataclass(frozen=True)
class Schedule:
    timezone: ZoneInfo
    # portal → cron expressions: minute hour day month weekday, and an optional 6th field, seconds
    crons: dict[str, tuple[str, ...]]
    after_crawl: tuple[tuple[str, ...], ...] = ()

    def previous(self, portal: str, now: dt.datetime) -> dt.datetime:
        local = now.astimezone(self.timezone)
        return max(croniter(c, local).get_prev(dt.datetime) for c in self.crons[portal])

    def next(self, portal: str, now: dt.datetime) -> dt.datetime:
        local = now.astimezone(self.timezone)
        return min(croniter(c, local).get_next(dt.datetime) for c in self.crons[portal])


def load_schedule(portals: list[str], path: str | os.PathLike[str] | None = None) -> Schedule:
    path = Path(path or os.environ.get("NIANBAO_SCHEDULE") or DEFAULT_CONFIG)
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    default = tuple(raw.get("default") or ("30 6 * * *",))
    overrides = raw.get("portals") or {}
    unknown = sorted(set(overrides) - set(portals))
    if unknown:
        logger.warning("%s: schedules of unknown or unselected portals ignored: %s", path, ", ".join(unknown))
    crons = {p: tuple(overrides.get(p) or default) for p in portals}
    for portal, expressions in crons.items():
        for expression in expressions:
            if len(expression.split()) not in (5, 6) or not croniter.is_valid(expression):
                raise ValueError(f"{path}: portals.{portal}: not a cron expression: {expression!r}")
    after = tuple(tuple(str(part) for part in step) for step in raw.get("after_crawl") or ())
    return Schedule(ZoneInfo(raw.get("timezone", "Asia/Shanghai")), crons, after)


@cache
def command_available(name: str) -> bool:
    """Whether ``scrapy NAME`` exists: a project command (crawler/commands/) or a Scrapy built-in.

    Looked up by import rather than by parsing ``scrapy -h``: no process, same answer.
    """
    for package in ("crawler.commands", "scrapy.commands"):
        try:
            if importlib.util.find_spec(f"{package}.{name}") is not None:
                return True
        except ModuleNotFoundError:
            continue
    return False


def run_scrapy(args: list[str], *, die_with_parent: bool = False) -> int:
    """Run ``scrapy ARGS`` as a child process in the project folder; its exit status (negative: the
    signal that killed it). The one runner of ``scrapy schedule`` and the queue workers (crawler/cluster).

    ``die_with_parent``: the child is killed when the process that started it dies (Linux
    ``PR_SET_PDEATHSIG``, set by util-linux ``setpriv`` -- not a ``preexec_fn``, which is unsafe in a
    process with threads), so a crawl never outlives its killed queue worker and crawls on unleased.
    """
    command = [sys.executable, "-m", "scrapy", *args]
    if die_with_parent:
        command = ["setpriv", "--pdeathsig", "KILL", "--", *command]
    logger.info("run: %s", " ".join(command))
    return subprocess.run(command, cwd=ROOT, check=False).returncode


@dataclass
class Scheduler:
    schedule: Schedule
    state_dir: Path
    scrapy_args: list[str] = field(default_factory=list)  # passed to every child command (-s …)
    runner: Callable[[list[str]], int] | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    resume: bool = True  # give each crawl a JOBDIR so a killed crawl is resumed by the next run
    # Queue each due crawl for the cluster's workers instead of running it here (`--enqueue`): the
    # function queues a portal's crawl (and its after-crawl steps) and returns the task id.
    enqueue: Callable[[str], str] | None = None

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
        os.replace(partial, self.state_file)  # atomic: a crash leaves the old state or the new one

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
        with open(self.state_dir / "locks" / f"{portal}.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            # The holder's PID, for people looking at a lock; the kernel lock itself is what counts.
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, args: list[str]) -> int:
        if self.runner is not None:
            return self.runner(args)
        return run_scrapy([*args, *self.scrapy_args])

    def jobdir(self, portal: str) -> Path:
        return self.state_dir / "jobs" / portal

    def _crawl(self, portal: str) -> int:
        if not self.resume:
            return self._run(["crawl", portal])
        jobdir = self.jobdir(portal)
        if jobdir.exists():
            logger.warning("schedule: resuming the unfinished crawl of %s from %s", portal, jobdir)
        code = self._run(["crawl", portal, "-s", f"JOBDIR={jobdir}"])
        # The crawl log extension deletes its spool in the JOBDIR when the crawl finished (and archived
        # its log); a spool left behind means the crawl was paused or killed, and the next run resumes
        # it. A JOBDIR must not outlive its crawl: the next crawl would inherit its crawl id.
        if not (jobdir / "crawllog.jsonl").exists():
            shutil.rmtree(jobdir, ignore_errors=True)
        elif code > 0:
            # It failed outright (a Python error, not a signal): start afresh next time rather than
            # replay a bad queue, but keep the folder -- its spool is the only copy of that crawl's log.
            aside = jobdir.with_name(f"{portal}.failed-{self.clock():%Y%m%dT%H%M%S}")
            jobdir.rename(aside)
            logger.error("schedule: the crawl of %s failed; its job folder is kept at %s", portal, aside)
        return code

    def run_portal(self, portal: str) -> bool:
        if self.enqueue is not None:
            # The workers run the crawl, then its after-crawl steps (a derive task); the cluster-wide lease
            # of the portal, not this node's flock, keeps two crawls of it apart.
            task = self.enqueue(portal)
            self._record(portal, self.clock())
            logger.info("schedule: queued the crawl of %s (task %s)", portal, task)
            return True
        with self.lock(portal) as acquired:
            if not acquired:
                logger.warning("schedule: %s is already being crawled by another process; skipped", portal)
                return False
            started = self.clock()
            code = self._crawl(portal)
            # Recorded even when the crawl failed: the failure is in its crawl log and alerts; retrying
            # in a tight loop would only hammer a portal that is down.
            self._record(portal, started)
            if code != 0:
                logger.error("schedule: crawl of %s exited %s", portal, code)
            for step in self.schedule.after_crawl:
                if not command_available(step[0]):
                    logger.info("schedule: no `scrapy %s` command in this project; step skipped", step[0])
                    continue
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

    def forever(self, tick: float = 30.0, max_runs: int | None = None, until: Moment | None = None) -> int:
        """Run due crawls, then sleep until the next one is due (checking every ``tick`` seconds).

        Returns after ``max_runs`` crawls or once ``until`` has passed (both for tests; None: never).
        """
        runs = 0
        while True:
            runs += len(self.run_due())
            now = self.clock()
            if (max_runs is not None and runs >= max_runs) or (until is not None and now >= until):
                return runs
            pause = tick if until is None else min(tick, max((until - now).total_seconds(), 0.0))
            time.sleep(pause)


# ---- equivalents for cron and systemd ------------------------------------------------------------
def _fields(expression: str) -> tuple[list[str], str | None]:
    """The five classic cron fields, and the seconds field if the expression has one."""
    parts = expression.split()
    return parts[:5], (parts[5] if len(parts) == 6 else None)


def crontab(schedule: Schedule, project: Path, state_dir: Path) -> str:
    lines = [
        f"# nianbao crawls ({schedule.timezone.key}); flock keeps one run per portal at a time",
        f"CRON_TZ={schedule.timezone.key}",
    ]
    for portal, expressions in schedule.crons.items():
        lock = state_dir / "locks" / f"{portal}.lock"
        jobdir = state_dir / "jobs" / portal
        after = " && ".join(f".venv/bin/scrapy {step}" for step in _after_steps(schedule, portal))
        # A JOBDIR resumes a killed crawl; once the crawl finished (its log spool is gone) it is removed,
        # or the next crawl would inherit its crawl id.
        job = (
            f"cd {project} && flock -n {lock} sh -c '.venv/bin/scrapy crawl {portal} -s JOBDIR={jobdir}; "
            f"test -e {jobdir}/crawllog.jsonl || rm -rf {jobdir}'" + (f"; {after}" if after else "")
        )
        for expression in expressions:
            classic, seconds = _fields(expression)
            if seconds is not None:
                lines.append(f"# {expression!r}: cron has no seconds field; runs at second 0")
            lines.append(f"{' '.join(classic)} {job}")
    return "\n".join(lines)


def _on_calendar(expression: str) -> str:
    """A cron expression (numbers, ranges, lists, steps, *) as a systemd OnCalendar value."""
    (minute, hour, day, month, weekday), seconds = _fields(expression)
    names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    def part(value: str) -> str:
        if value.startswith("*/"):
            return "0/" + value[2:]  # systemd writes a step from zero as START/STEP
        return "*" if value == "*" else value.replace("-", "..")

    days = "" if weekday == "*" else ",".join(
        "..".join(names[int(x)] for x in item.split("-")) for item in weekday.split(",")
    ) + " "  # fmt: skip
    second = f":{part(seconds)}" if seconds is not None else ":00"
    return f"{days}*-{part(month)}-{part(day)} {part(hour)}:{part(minute)}{second}"


def _after_steps(schedule: Schedule, portal: str) -> list[str]:
    """The after-crawl commands this project has, as argument strings for ``scrapy``."""
    steps = [s for s in schedule.after_crawl if command_available(s[0])]
    return [" ".join(step).replace("{portal}", portal) for step in steps]


def systemd_units(schedule: Schedule, project: Path, state_dir: Path | None = None) -> str:
    state_dir = state_dir or project / "state"
    scrapy = f"{project}/.venv/bin/scrapy"
    out = []
    for portal, expressions in schedule.crons.items():
        jobdir = state_dir / "jobs" / portal
        # systemd runs one instance of a unit at a time, so no lock is needed; the JOBDIR resumes a
        # killed crawl and is removed once the crawl finished (its log spool is gone).
        service = [
            f"# /etc/systemd/system/nianbao-{portal}.service",
            "[Unit]",
            f"Description=nianbao crawl of {portal}",
            "",
            "[Service]",
            "Type=oneshot",
            f"WorkingDirectory={project}",
            f"ExecStart={scrapy} crawl {portal} -s JOBDIR={jobdir}",
            *(f"ExecStartPost=-{scrapy} {step}" for step in _after_steps(schedule, portal)),
            f"ExecStopPost=/bin/sh -c 'test -e {jobdir}/crawllog.jsonl || rm -rf {jobdir}'",
        ]
        timer = [
            f"# /etc/systemd/system/nianbao-{portal}.timer",
            "[Unit]",
            f"Description=nianbao schedule of {portal}",
            "",
            "[Timer]",
            *(f"OnCalendar={_on_calendar(e)} {schedule.timezone.key}" for e in expressions),
            "Persistent=true",
            "",
            "[Install]",
            "WantedBy=timers.target",
        ]
        out += ["\n".join(service) + "\n", "\n".join(timer) + "\n"]
    return "\n".join(out)
