#!/usr/bin/env bash
# One command for the test suite: set up, then lint (ruff), format check, type check (mypy), pytest.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k wuchang`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff check";  .venv/bin/ruff check .
echo "== ruff format"; .venv/bin/ruff format --check .
echo "== mypy";        .venv/bin/mypy crawler spiders pipelines replica tests $([ -d bench ] && echo bench)
echo "== pytest";      .venv/bin/python -m pytest "$@"
