"""`scrapy replica`: serve the bundled portal replica on 127.0.0.1, or write its ground truth."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import ClassVar

from scrapy.exceptions import UsageError

from crawler.project_command import ProjectCommand


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, object]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--port P] [--seed N] [--manifest FILE] [--republish] [--faults FILE]"

    def short_desc(self) -> str:
        return "Serve the portal replica (a mirror of the real portals) on 127.0.0.1"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (0: any free port)")
        parser.add_argument("--seed", type=int, default=0, help="world seed (default 0)")
        parser.add_argument("--manifest", metavar="FILE", help="write the ground truth as JSON ('-' for stdout)")
        parser.add_argument(
            "--republish", action="store_true", help="serve one report re-published with changed numbers"
        )
        parser.add_argument("--portals", help="comma-separated portal ids (default: every portal with a known column)")
        # Misbehave on purpose (replica/faults.py); changeable later via /_replica/faults.
        parser.add_argument("--faults", metavar="FILE", help="fault plan to start with (YAML/JSON list of rules)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # Imported here, not at the top: the replica is an optional extra, not part of the crawler.
        try:
            from replica.server import ReplicaServer  # noqa: PLC0415
            from replica.site import Site  # noqa: PLC0415
        except ImportError as exc:
            raise UsageError(
                f"the replica is not installed ({exc}); in a checkout: pip install -e '.[replica]'"
            ) from exc

        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if opts.port is None and not opts.manifest:
            raise UsageError("give --port to serve, --manifest FILE to write the ground truth, or both")
        portals = tuple(p for p in opts.portals.split(",") if p) if opts.portals else None
        site = Site(seed=opts.seed, portals=portals)
        site.set_republished(opts.republish)
        if opts.manifest:
            text = json.dumps(site.manifest(), ensure_ascii=False, indent=1)
            if opts.manifest == "-":
                sys.stdout.write(text + "\n")
            else:
                Path(opts.manifest).write_text(text + "\n", encoding="utf-8")
        if opts.port is None:
            return
        server = ReplicaServer(site, opts.port)
        if opts.faults:
            from replica.faults import load_plan  # noqa: PLC0415

            server.faults.set(load_plan(opts.faults))
        print(f"replica serving {', '.join(sorted(site.world.portals))} at {server.url}  (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
