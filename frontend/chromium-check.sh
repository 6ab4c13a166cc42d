#!/usr/bin/env bash
# Screenshot of the banner in headless Chromium (by hand, not in CI: Chromium is a large
# install). Serves this folder on 127.0.0.1 (another origin than bamort-health, so CORS
# is exercised) and opens demo.html polling HEALTH_URL.
#   frontend/chromium-check.sh http://127.0.0.1:8080/api/system/health [de|en] [out.png]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
url=${1:?usage: $0 HEALTH_URL [de|en] [out.png]}
lang=${2:-de}
out=${3:-/tmp/bamort-banner.png}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$here" >/dev/null 2>&1 &
server=$!
profile=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$profile"' EXIT
sleep 0.5
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --virtual-time-budget=5000 --window-size=1000,300 --screenshot="$out" \
  "http://127.0.0.1:$port/demo.html?health=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$url")&lang=$lang" \
  2>/dev/null
echo "screenshot: $out"
