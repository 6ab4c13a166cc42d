#!/usr/bin/env bash
# Regenerates lib/schema/expected/<version>.json from the migrations: for every DB
# version, an empty database is migrated to it and its schema introspected. Run this
# after adding a migration; the test ExpectedSchema.MatchesWhatTheMigrationsProduce fails
# until the files are regenerated, so the model and the migrations cannot drift.
#
#   scripts/gen-expected-schema.sh        (uses build/, starts and stops its own dev-db)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BAMORT_BUILD_DIR:-$here/build}
cmake --build "$build_dir" -j2 >/dev/null

export BAMORT_DEVDB_DIR=${BAMORT_DEVDB_DIR:-$build_dir/gen-schema-db}
trap '"$here/scripts/dev-db.sh" stop' EXIT
eval "$("$here/scripts/dev-db.sh" start)"

versions=$(sed -n 's/^-- version: //p' "$here"/migrations/*.sql | sort -u -t. -k1,1n -k2,2n -k3,3n)
out=$here/lib/schema/expected
mkdir -p "$out"
for v in $versions; do
  db="gen_${v//./_}"
  "$here/scripts/dev-db.sh" sql -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  BAMORT_DB_NAME=$db "$build_dir/bamort-migrate" --to-version "$v" --log-format json >/dev/null 2>&1
  # status exits 3 below the latest version; only its JSON matters here
  number=$({ BAMORT_DB_NAME=$db "$build_dir/bamort-status" --json 2>/dev/null || true; } | jq .migration_number)
  BAMORT_DB_NAME=$db "$build_dir/bamort-validate" --print-schema 2>/dev/null |
    jq --arg v "$v" --argjson n "$number" '.version = $v | .migration_number = $n' >"$out/$v.json.tmp"
  mv "$out/$v.json.tmp" "$out/$v.json"
  echo "$out/$v.json: migration $number, $(jq '.tables | length' "$out/$v.json") tables"
done
