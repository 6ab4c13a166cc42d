#!/usr/bin/env bash
# The shell tests of docker/deploy.sh (ctest DeployScripts): the dotenv reader of
# --env-file, then compose mode against a stand-in compose command and a real MariaDB.
#
#   tests/deploy/deploy_scripts_test.sh [BUILD_DIR]
set -euo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
code=0
"$dir/dotenv_test.sh" || code=1
"$dir/compose_mode_test.sh" "$@" || code=1
exit "$code"
