#!/usr/bin/env bash
# Set up nianbao on a Debian/Ubuntu machine: system packages, a virtualenv in .venv, Python packages.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: LibreOffice (DOC/WPS reports), CJK fonts, poppler, antiword/catdoc (fallback text
# of old Word files), Chromium (portals that need a real browser; Playwright drives Debian's build) and
# redis-server (the work queue of a cluster: scripts/cluster.sh, the queue tests; docs/scaling.md).
DEB_PACKAGES="chromium libreoffice-writer-nogui fonts-noto-cjk poppler-utils antiword catdoc redis-server postgresql"
missing=""
for pkg in $DEB_PACKAGES; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing system packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# Install only when pyproject.toml changed since the last successful install.
stamp=.venv/.nianbao-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages (pyproject.toml); log in .venv/pip.log"
  if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[dev,replica]"; } \
       > .venv/pip.log 2>&1; then
    tail -40 .venv/pip.log
    echo "setup: pip install failed (full log: .venv/pip.log)" >&2
    exit 1
  fi
  touch "$stamp"
fi

# Compile the translation catalogs (crawler/locale/*/LC_MESSAGES/nianbao.po → .mo; README: Translations).
if ! out=$(.venv/bin/pybabel compile -d crawler/locale -D nianbao 2>&1); then
  echo "$out" >&2
  echo "setup: pybabel compile failed" >&2
  exit 1
fi
