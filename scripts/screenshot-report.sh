#!/usr/bin/env bash
# Regenerate docs/report.png and the manual's other screenshots: scripts/screenshots.py
# (the example store as of 2026-11-24 15:00 New York, in headless Chromium), which also
# keeps the HTML each picture was taken from. Needs Chromium (Debian: apt-get install
# chromium). Usage: scripts/screenshot-report.sh [--check]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python="$root/.venv/bin/python"
[ -x "$python" ] || python="$(command -v python3)"
exec "$python" "$root/scripts/screenshots.py" "$@"
