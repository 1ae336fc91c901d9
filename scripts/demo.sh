#!/usr/bin/env bash
# One command for a newcomer: set up, start the bundled portal replica, crawl 武昌区 through it into
# ./data, and print a summary. Run it again to see that an unchanged portal stores nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/scrapy demo "$@"
