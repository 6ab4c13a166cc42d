#!/usr/bin/env bash
# Size limits of lib/ (issue 16, docs/ARCHITECTURE.md "Rules the code follows"): no function
# longer than 80 lines (from its '{' to its '}'), no file longer than 500 lines, except the
# declared exceptions below, each with its reason. Fails naming every other offender with
# its length; lists the exceptions it met, so one that has shrunk can be dropped.
#
# The function finder is a brace counter, not a parser: comments, strings and character
# literals are skipped, preprocessor lines ignored; a '{' at namespace or class scope whose
# text since the last ';', '{' or '}' has a ')' and no '=' before its first '(' opens a
# function; so does one after `operator` or a namespace-scope lambda (`auto f = [](...) {`).
# A member initialised with braces in a constructor's init list (`: a_(x), b_{y} {`) is part
# of the constructor's header, whose body is the '{' after it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$here"
max_function=80
max_file=500

# "path" (a file) or "path:Function" (Function as reported, or its last ::-part), a tab, and
# why it may be longer. Declarations and the dump-stream state machines only.
exceptions=$(cat <<'EOF'
lib/masterdata/entities.cc:Declare	the declaration of every master-data entity (tables, keys, references), one call each: data, not logic
lib/migrate/layout_preflight.cc:LayoutRequirements	the table of layout requirements migrate checks before its first change: data, not logic
lib/backup/dump_stream.cc:Feed	the dump-stream state machine: one switch over the states of mariadb-dump's output, clearer whole
lib/backup/dump_statements.cc:AddLine	the dump-statement state machine: one switch over a statement's states, clearer whole
EOF
)

# file<TAB>function<TAB>start line<TAB>lines, one per function over the limit.
long_functions() {
  awk -v max="$max_function" '
    function reset_header() { header = ""; hstart = 0 }
    function classify(h,    before) {
      if (h ~ /(^|[^A-Za-z0-9_])namespace([^A-Za-z0-9_]|$)/ || h ~ /^extern ""/) return "ns"
      if (h ~ /(^|[^A-Za-z0-9_])(class|struct|union|enum)([^A-Za-z0-9_]|$)/ && h !~ /\)/) return "class"
      if (h !~ /\)/) return "other"
      # a member braced in an init list, as in ") : a_(x), b_{": a lone colon after the paren, a name before the brace
      if (h ~ /\)[^{};]*[^:]:[^:]/ && h ~ /[A-Za-z0-9_>][ \t]*$/) return "init"
      before = h; gsub(/template[ \t]*<[^<>]*>/, "", before); sub(/\(.*/, "", before)
      if (before ~ /(^|[^A-Za-z0-9_])operator/) return "func"
      if (before ~ /=[ \t]*\[[^]]*\][ \t]*$/) return "func"  # a lambda
      if (before ~ /=/) return "other"
      return "func"
    }
    function name_of(h,    n) {
      n = h; sub(/[ \t]*=[ \t]*\[.*/, "", n); sub(/\(.*/, "", n); sub(/[ \t]+$/, "", n)
      if (match(n, /[A-Za-z0-9_:~]*operator.*$/)) return substr(n, RSTART, RLENGTH)
      if (match(n, /[A-Za-z0-9_:~]+$/)) return substr(n, RSTART, RLENGTH)
      return "?"
    }
    FNR == 1 { depth = 0; infunc = 0; in_comment = 0; reset_header() }
    {
      line = $0
      if (!in_comment && line ~ /^[ \t]*#/) next
      n = length(line)
      for (i = 1; i <= n; i++) {
        c = substr(line, i, 1); c2 = substr(line, i, 2)
        if (in_comment) { if (c2 == "*/") { in_comment = 0; i++ } ; continue }
        if (c2 == "/*") { in_comment = 1; i++; continue }
        if (c2 == "//") break
        if (c == "\"" || c == "\047") {
          q = c
          for (i++; i <= n; i++) {
            d = substr(line, i, 1)
            if (d == "\\") { i++; continue }
            if (d == q) break
          }
          if (!infunc) header = header q q
          continue
        }
        if (c == "{") {
          top = depth > 0 ? kind[depth] : "ns"
          k = top == "init" ? "init" : "block"
          if (top == "ns" || top == "class") { h = header; gsub(/^[ \t]+|[ \t]+$/, "", h); k = classify(h) }
          depth++; kind[depth] = k
          if (k == "init") { header = header c; continue }  # still the constructor header
          if (k == "func") { infunc = depth; fstart = FNR; fhead = hstart ? hstart : FNR; fname = name_of(h) }
          reset_header(); continue
        }
        if (c == "}") {
          if (depth > 0 && kind[depth] == "init") { depth--; header = header c; continue }
          if (depth > 0) {
            if (kind[depth] == "func") {
              len = FNR - fstart + 1
              if (len > max) printf "%s\t%s\t%d\t%d\n", FILENAME, fname, fhead, len
              infunc = 0
            }
            depth--
          }
          reset_header(); continue
        }
        if (c == ";") { reset_header(); continue }
        if (!infunc) { if (!hstart && c !~ /[ \t]/) hstart = FNR; header = header c }
      }
      if (!infunc) header = header " "
    }
  ' "$@"
}

lookup() {  # list file [function] -> reason or nothing
  local list=$1 file=$2 fn=${3:-}
  [ -n "$list" ] || return 0
  printf '%s\n' "$list" | awk -F'\t' -v file="$file" -v fn="$fn" '
    {
      key = $1; f = key; g = ""
      if (index(key, ":")) { f = substr(key, 1, index(key, ":") - 1); g = substr(key, index(key, ":") + 1) }
      short = fn; sub(/.*::/, "", short)
      if (f == file && ((fn == "" && g == "") || (fn != "" && (g == fn || g == short)))) { print $2; exit }
    }'
}

mapfile -t files < <(find lib -name '*.cc' -o -name '*.h' | sort)
fail=0
offenders=()
excused=()

for f in "${files[@]}"; do
  lines=$(wc -l <"$f")
  [ "$lines" -gt "$max_file" ] || continue
  entry="$f: $lines lines (file limit $max_file)"
  if reason=$(lookup "$exceptions" "$f") && [ -n "$reason" ]; then excused+=("$entry: $reason")
  else offenders+=("$entry"); fail=1
  fi
done

while IFS=$'\t' read -r f fn start len; do
  entry="$f:$start $fn: $len lines (function limit $max_function)"
  if reason=$(lookup "$exceptions" "$f" "$fn") && [ -n "$reason" ]; then excused+=("$entry: $reason")
  else offenders+=("$entry"); fail=1
  fi
done < <(long_functions "${files[@]}")

report() {  # title, entries...
  local title=$1; shift
  [ "$#" -gt 0 ] || return 0
  echo "$title ($#):"
  printf '  %s\n' "$@"
}
report "declared exceptions" "${excused[@]+"${excused[@]}"}"
report "OVER THE LIMIT: split them (docs/ARCHITECTURE.md), or declare a declaration or state machine an exception here with its reason" "${offenders[@]+"${offenders[@]}"}"
if [ "$fail" = 0 ]; then
  echo "ok: ${#files[@]} files of lib/, no other function over $max_function lines, no other file over $max_file lines"
fi
exit "$fail"
