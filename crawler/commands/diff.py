"""`scrapy diff KEY V1 V2`: what changed between two archived versions of one key.

Extraction records and other JSON: the table cells that changed (by value), then other fields. Text
(HTML, plain text): a unified diff. Anything else: sizes and hashes.
"""

from __future__ import annotations

import argparse
import json

from scrapy.exceptions import UsageError

from crawler.project_command import ProjectCommand
from crawler.store import StoreError, open_store
from crawler.store.base import sha256_hex


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "KEY V1 V2"

    def short_desc(self) -> str:
        return "Show what changed between two versions of an archived file"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.edits import decode_text, json_diff, text_diff  # noqa: PLC0415

        assert self.settings is not None
        if len(args) != 3 or not args[1].isdigit() or not args[2].isdigit():
            raise UsageError("expected KEY V1 V2 (version numbers as listed by `scrapy history`)")
        key, v1, v2 = args[0], int(args[1]), int(args[2])
        store = open_store(self.settings["STORE_URI"])
        try:
            old, new = store.get(key, v1), store.get(key, v2)
        except StoreError as exc:
            print(exc)
            self.exitcode = 2
            return
        if old == new:
            print(f"{key}: v{v1} and v{v2} are identical")
            return
        try:
            a, b = json.loads(old), json.loads(new)
        except ValueError:
            a = b = None
        if a is not None and b is not None:
            changes = json_diff(a, b)
            print(f"{key}: v{v1} → v{v2}: {len(changes['cells'])} cell(s), {len(changes['fields'])} other field(s)")
            for c in changes["cells"]:
                print(f"  cell  {c['path']}: {_show(c['before'])} → {_show(c['after'])}")
            for c in changes["fields"]:
                print(f"  field {c['path']}: {_show(c['before'])} → {_show(c['after'])}")
            return
        ta, tb = decode_text(old), decode_text(new)
        if ta is not None and tb is not None:
            print(text_diff(ta, tb, f"{key} v{v1}", f"{key} v{v2}"), end="")
            return
        print(
            f"{key}: binary differs: v{v1} {len(old)} B sha256 {sha256_hex(old)}; "
            f"v{v2} {len(new)} B sha256 {sha256_hex(new)}"
        )
