#!/usr/bin/env bash
# Every thread in shipped code is owned by an object that joins it on every path (issue 16
# item 2, docs/ARCHITECTURE.md): no std::thread outside common/joining_thread.h, no detach().
# Fails naming every offending line.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$here"
if grep -rnE 'std::thread\b[^:]|std::thread$|\.detach\(\)' lib jobs | grep -v '^lib/common/joining_thread.h:'; then
  echo "FAILED: the lines above start or hold a bare std::thread; use JoiningThread (lib/common/joining_thread.h)"
  exit 1
fi
echo "ok: no bare std::thread and no detach() under lib/ or jobs/"
