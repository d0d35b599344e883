#!/usr/bin/env bash
# Set up a fresh machine for this repository: Debian's Chromium (the report
# tests render pages in it) and a virtual environment in .venv with torch's
# CPU build and everything else. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup.sh: Chromium is missing and this is not root: run 'sudo apt-get install chromium' for the report tests" >&2
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# torch pinned to the CPU build: a bare `torch` would pull a multi-GB CUDA build.
.venv/bin/pip install -q torch==2.13.0 -e '.[test]'
