"""`scrapy jobs`: the cluster's tasks and their outcome (job records in Redis; crawler/cluster/jobs.py)."""

from __future__ import annotations

import argparse
import json
import time

from scrapy.exceptions import UsageError

from crawler.project_command import ProjectCommand

COLUMNS = ("id", "kind", "portal", "state", "outcome", "crawl_id", "worker", "attempts", "started", "finished", "file")


def render_table(rows: list[dict[str, object]]) -> str:
    cells = [[str(row.get(c) if row.get(c) is not None else "") for c in COLUMNS] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--wait] [--timeout S] [--portal P] [--format table|json]"

    def short_desc(self) -> str:
        return "List the queue's tasks with their outcome; exit 1 if any failed"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--wait", action="store_true", help="wait until every listed task has finished")
        parser.add_argument("--timeout", type=float, help="with --wait: give up after S seconds (exit 2)")
        parser.add_argument("--portal", help="only this portal's tasks")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.cluster.jobs import JobBook  # noqa: PLC0415
        from crawler.cluster.lease import PREFIX  # noqa: PLC0415
        from crawler.cluster.tasks import redis_client  # noqa: PLC0415

        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        client = redis_client()
        book = JobBook(client)
        jobs = [j for j in book.all() if not opts.portal or j.portal == opts.portal]
        deadline = None if opts.timeout is None else time.monotonic() + opts.timeout
        while opts.wait and not all(j.final for j in jobs):
            if deadline is not None and time.monotonic() > deadline:
                self.exitcode = 2
                break
            time.sleep(1)
            jobs = book.all([j.id for j in jobs])
        rows = []
        for job in jobs:
            row = job.to_json()
            if job.state == "running" and job.kind == "crawl":
                holder = client.get(f"{PREFIX}portal:{job.portal}")
                if not isinstance(holder, bytes) or not holder.decode().startswith(f"{job.id} "):
                    # Its worker stopped renewing the lease: it died; the queue redelivers the task.
                    row["outcome"] = "worker lost; waiting for redelivery"
            rows.append(row)
        if opts.format == "json":
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            print(render_table(rows))
        if any(j.state == "failed" for j in jobs) and not self.exitcode:
            self.exitcode = 1
