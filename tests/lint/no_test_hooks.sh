#!/usr/bin/env bash
# No shipped code reads a test hook from the environment (issue 16, docs/ARCHITECTURE.md
# "Test hooks"): BAMORT_TEST_* is read only by tests/faults/install_hooks.cc, which only the
# test-only bamort-<job>-faults binaries contain. Fails naming every offending line.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$here"
if grep -rnE 'getenv\("BAMORT_TEST_' lib jobs; then
  echo "FAILED: the lines above read a BAMORT_TEST_* hook in shipped code; use a fault point (lib/common/fault_points.h)"
  exit 1
fi
echo "ok: no getenv(\"BAMORT_TEST_...\") under lib/ or jobs/"
