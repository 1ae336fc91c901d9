"""The base of every project command (crawler/commands/): its settings are checked before it runs.

Outside crawler/commands/ because Scrapy takes every ScrapyCommand subclass it finds there for a command.

A value that cannot be read as its setting's type (``-s EXTRACT_WORKERS=two``, ``-s REVALIDATE_DAYS=x``)
is one line per setting (``scrapy extract: error: EXTRACT_WORKERS: expected an integer, got 'two'``) and
exit 2, before anything is fetched, read or written: without it, the first component to read the setting
dies with a bare ``ValueError: invalid literal for int()`` traceback, halfway through the command.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand

from crawler.setting_types import wrong_settings


class ProjectCommand(ScrapyCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # applies -s NAME=VALUE, --set, -L…
        assert self.settings is not None
        if problems := wrong_settings(self.settings):
            name = type(self).__module__.rsplit(".", 1)[-1]  # crawler.commands.extract → extract
            for problem in problems:
                print(f"scrapy {name}: error: {problem}", file=sys.stderr)
            raise SystemExit(2)
