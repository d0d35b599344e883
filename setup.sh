#!/usr/bin/env bash
# Set up a fresh machine for this repository: Debian's Chromium and CJK fonts (the
# report tests render pages in it) and a virtual environment in .venv with torch's
# CPU build and everything else. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
# Debian's Chromium renders the report tests' pages; fonts-noto-cjk draws their Chinese.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup.sh: ${missing[*]} missing and this is not root: run 'sudo apt-get install ${missing[*]}' for the report tests" >&2
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# torch pinned to the CPU build: a bare `torch` would pull a multi-GB CUDA build.
.venv/bin/pip install -q torch==2.13.0 -e '.[test]'
