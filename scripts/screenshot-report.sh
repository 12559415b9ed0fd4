#!/usr/bin/env bash
# Regenerate docs/report.png: the HTML report (quarter 2026Q4) of the example store at the
# repository root, as of 2026-11-24 15:00 New York, rendered by headless Chromium.
# Needs Chromium (Debian: apt-get install chromium). Usage: scripts/screenshot-report.sh [OUT.png]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/docs/report.png}"
icsvc="$root/.venv/bin/icsvc"
[ -x "$icsvc" ] || icsvc="$(command -v icsvc)"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    echo "screenshot-report: chromium not found (Debian: apt-get install chromium)" >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
ICSVC_NOW=2026-11-24T15:00:00-05:00 "$icsvc" report --store "$root" --quarter 2026Q4 \
    --format html --output "$tmp/report.html"
mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1200,2000 \
    --screenshot="$out" "file://$tmp/report.html" 2>/dev/null
echo "wrote $out"
