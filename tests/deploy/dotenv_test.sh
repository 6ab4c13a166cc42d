#!/usr/bin/env bash
# shellcheck disable=SC2016,SC1003
# deploy.sh --env-file reads a dotenv file as data: never sourced, never evaluated. This
# test hands it tricky lines (command substitutions, quotes, comments, upstream's
# DATABASE_URL with ( ) & ? ; =, CRLF) and checks, through a stand-in bamort-status that
# records its environment, exactly what the jobs receive; then bad lines (exit 2, named by
# file and line, the line itself never shown) and upstream's own env files when
# ../shared/reference/upstream-app is there. No database, no build.
#
#   tests/deploy/dotenv_test.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bamort-dotenv-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok:   $*"; }

# A stand-in bamort-status: records its environment (NUL-separated) and writes a report.
mkdir -p "$work/bin"
cat >"$work/bin/bamort-status" <<'FAKE'
#!/usr/bin/env bash
env -0 >"$DOTENV_TEST_DUMP"
report=""
while [ $# -gt 0 ]; do [ "$1" = --report ] && report=$2; shift; done
printf '{\n  "report_version": 1,\n  "status": "ok",\n  "details": {\n    "state": "compatible"\n  }\n}\n' >"$report"
FAKE
cp "$work/bin/bamort-status" "$work/bin/bamort-migrate"
chmod +x "$work/bin/"*

# deploy_env FILE [VAR=VALUE...]: deploy.sh --status-only with FILE; output in $work/out.
deploy_env() {
  local file=$1; shift
  rm -f "$work/dump"
  code=0
  env -u BAMORT_DB_HOST -u BAMORT_DB_PORT -u BAMORT_DB_NAME -u BAMORT_DB_USER -u BAMORT_DB_PASSWORD_FILE \
    -u DATABASE_URL -u MARIADB_USER -u MARIADB_PASSWORD -u MARIADB_DATABASE -u MARIADB_PASSWORD_FILE \
    DOTENV_TEST_DUMP="$work/dump" "$@" \
    "$here/docker/deploy.sh" --native --bin-dir "$work/bin" --status-only --reports-root "$work/reports" \
    --env-file "$file" >"$work/out" 2>&1 </dev/null || code=$?
}
# got KEY: the value the job saw ("<unset>" when it did not get the key).
got() {
  [ -f "$work/dump" ] || { echo "<no job ran>"; return; }
  awk -v RS='\0' -v k="$1" 'BEGIN { v = "<unset>" } index($0, k "=") == 1 { v = substr($0, length(k) + 2) } END { printf "%s", v }' "$work/dump"
}
expect() {  # KEY EXPECTED
  local v
  v=$(got "$1")
  if [ "$v" = "$2" ]; then ok "$1 = $(printf '%q' "$2")"; else fail "$1: expected $(printf '%q' "$2"), got $(printf '%q' "$v")"; fi
}

pwned=$work/pwned
{
  printf '%s\n' '# upstream-style comment' '   # indented comment' '' \
    'export BAMORT_DB_HOST=db.example' \
    'BAMORT_DB_PORT = 3307' \
    'MARIADB_USER=bamort' \
    'MARIADB_PASSWORD=bG4)efozrc' \
    'MARIADB_DATABASE=bamort' \
    'DATABASE_URL=bamort:p(w)&x?y;z=1@tcp(mariadb:3306)/bamort?charset=utf8mb4&parseTime=True&loc=Local' \
    "BAMORT_DB_NAME=\$(touch $pwned)" \
    "BAMORT_X_BACKTICK=\`touch $pwned\`" \
    "BAMORT_X_SINGLE='single \$(touch $pwned) # not a comment'  # a comment" \
    'BAMORT_X_DOUBLE="a \"quoted\" \$HOME \\ tab\there" # comment' \
    'BAMORT_X_OTHER_ESCAPE="keep \q and \\"' \
    'BAMORT_X_HASH=abc#def' \
    'BAMORT_X_COMMENT=abc   # comment' \
    'BAMORT_X_EMPTY=' \
    'BAMORT_X_EMPTY_COMMENT= # only a comment' \
    'BAMORT_X_SHELL=a;b && c || d > e < f | g ${HOME} $$' \
    'BAMORT_X_DUP=first' \
    'BAMORT_X_DUP=second' \
    'BAMORT_X_ENVWINS=fromfile' \
    'BAMORT_TEST_HOOK=must-not-pass' \
    'API_URL=https://backend.domain.de' \
    'MARIADB_ROOT_PASSWORD=root-secret'
  printf 'BAMORT_X_CRLF=value\r\n'
  printf 'BAMORT_X_LAST=no newline at the end'
} >"$work/tricky.env"
deploy_env "$work/tricky.env" BAMORT_X_ENVWINS=fromenv
[ "$code" = 0 ] || fail "deploy.sh --env-file tricky.env: exit $code: $(cat "$work/out")"
[ ! -e "$pwned" ] || fail "a value of the env file was EXECUTED ($pwned exists)"
expect BAMORT_DB_HOST db.example
expect BAMORT_DB_PORT 3307
expect MARIADB_USER bamort
expect MARIADB_PASSWORD 'bG4)efozrc'
expect MARIADB_DATABASE bamort
expect DATABASE_URL 'bamort:p(w)&x?y;z=1@tcp(mariadb:3306)/bamort?charset=utf8mb4&parseTime=True&loc=Local'
expect BAMORT_DB_NAME "\$(touch $pwned)"
expect BAMORT_X_BACKTICK "\`touch $pwned\`"
expect BAMORT_X_SINGLE "single \$(touch $pwned) # not a comment"
expect BAMORT_X_DOUBLE "a \"quoted\" \$HOME \\ tab$(printf '\t')here"
expect BAMORT_X_OTHER_ESCAPE 'keep \q and \'
expect BAMORT_X_HASH 'abc#def'
expect BAMORT_X_COMMENT abc
expect BAMORT_X_EMPTY ''
expect BAMORT_X_EMPTY_COMMENT ''
expect BAMORT_X_SHELL 'a;b && c || d > e < f | g ${HOME} $$'
expect BAMORT_X_DUP second
expect BAMORT_X_ENVWINS fromenv
expect BAMORT_TEST_HOOK '<unset>'
expect API_URL '<unset>'
expect MARIADB_ROOT_PASSWORD '<unset>'
expect BAMORT_X_CRLF value
expect BAMORT_X_LAST 'no newline at the end'
if grep -q 'bG4)efozrc\|root-secret' "$work/out"; then fail "a password appears in deploy.sh's output"; else ok "no password in the output"; fi

# MARIADB_* alone are "a database is configured".
printf 'MARIADB_USER=bamort\nMARIADB_PASSWORD=x\nMARIADB_DATABASE=bamort\n' >"$work/mariadb.env"
deploy_env "$work/mariadb.env"
if [ "$code" = 0 ]; then ok "MARIADB_* alone configure the database"; else fail "MARIADB_* alone: exit $code: $(cat "$work/out")"; fi

# Bad lines: exit 2, file and line named, the line never shown, nothing run.
bad() {  # NAME LINE-TEXT EXPECTED-LINE-NUMBER
  printf '# first\nMARIADB_DATABASE=bamort\n%s\n' "$2" >"$work/bad.env"
  deploy_env "$work/bad.env"
  if [ "$code" != 2 ]; then fail "$1: exit $code, expected 2"; return; fi
  if ! grep -q "bad.env:$3:" "$work/out"; then fail "$1: the message does not name bad.env:$3: $(cat "$work/out")"; return; fi
  if grep -q 'topsecret' "$work/out"; then fail "$1: the bad line is shown"; return; fi
  [ ! -f "$work/dump" ] || { fail "$1: a job ran"; return; }
  ok "$1: exit 2, names bad.env:$3"
}
bad "unclosed single quote" "MARIADB_PASSWORD='topsecret" 3
bad "unclosed double quote" 'MARIADB_PASSWORD="topsecret' 3
bad "text after the quote" "MARIADB_PASSWORD='top' secret" 3
bad "not KEY=VALUE" 'topsecret' 3
bad "invalid key" '1KEY=topsecret' 3

# Upstream's own env files load as they are (read from ../shared, never copied).
upstream=${BAMORT_UPSTREAM_APP:-$here/../shared/reference/upstream-app}/docker
if [ -f "$upstream/.env.dev" ]; then
  for f in .env.example .env.dev .env.prd .env.terra; do
    [ -f "$upstream/$f" ] || continue
    deploy_env "$upstream/$f"
    if [ "$code" = 0 ]; then ok "upstream's $f loads"; else fail "upstream's $f: exit $code: $(cat "$work/out")"; fi
    want=$(sed -n 's/^MARIADB_DATABASE=//p' "$upstream/$f" | tr -d '\r')
    expect MARIADB_DATABASE "$want"
    want=$(sed -n 's/^DATABASE_URL=//p' "$upstream/$f" | tr -d '\r')
    [ -z "$want" ] || expect DATABASE_URL "$want"
  done
else
  echo "note: $upstream is absent; upstream's own env files were not read"
fi

# The optional settings the project ships for upstream's .env parse too.
deploy_env "$here/docker/.env.example" MARIADB_DATABASE=bamort
if [ "$code" = 0 ]; then ok "docker/.env.example loads"; else fail "docker/.env.example: exit $code: $(cat "$work/out")"; fi

echo
if [ "$failures" = 0 ]; then echo "dotenv_test: all passed"; else echo "dotenv_test: $failures failed"; exit 1; fi
