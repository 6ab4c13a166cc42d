#!/usr/bin/env bash
# Benchmark of bamort-import-masterdata (issue 6): a synthetic format-2.0 master data set
# of 100,000 records (spread over the entities, with references) imported into an empty
# install and again unchanged, against the mariadb client loading the same rows as a
# multi-row INSERT ... ON DUPLICATE KEY UPDATE file (by primary key), all in one run on a
# throwaway server (scripts/dev-db.sh with its own BAMORT_DEVDB_DIR).
#
#   scripts/bench-masterdata.sh [BUILD_DIR [BASELINE_BUILD_DIR]]     (default: build)
#
# BENCH_ROUNDS (default 3) rounds, each on fresh databases: ours empty + unchanged, the
# client empty + unchanged, and (when BASELINE_BUILD_DIR is given, e.g. a build of an older
# commit) the baseline empty + unchanged. Prints every round (with our import's per-phase
# timing_ms from its report), then the medians and the ratios of the medians, and the
# load average before and after: other builds share the cores, so read the numbers with it.
# Exits non-zero only when a step fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
baseline=${2:-}
rounds=${BENCH_ROUNDS:-3}
for dir in "$build" ${baseline:+"$baseline"}; do
  for job in migrate import-masterdata; do
    [ -x "$dir/bamort-$job" ] || { echo "bench-masterdata: $dir/bamort-$job missing (build first)" >&2; exit 2; }
  done
done

work=$(mktemp -d)
export BAMORT_DEVDB_DIR="$work/devdb"
cleanup() {
  "$here/scripts/dev-db.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$("$here/scripts/dev-db.sh" start)"

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
G = "midgard"
data = {}
def put(name, rows): data[name] = rows
put("sources", [{"code": "S%03d" % i, "name": "Quelle %d" % i, "full_name": "", "edition": "", "publisher": "",
                 "publish_year": 2026, "description": "", "is_core": False, "is_active": True, "game_system": G}
                for i in range(50)])
put("character_classes", [{"code": "C%02d" % i, "name": "Klasse %d" % i, "description": "", "game_system": G,
                           "source_code": "S%03d" % (i % 50)} for i in range(50)])
put("skill_categories", [{"name": "Kategorie %d" % i, "game_system": G, "source_code": "S000"} for i in range(100)])
put("skill_difficulties", [{"name": "Stufe %d" % i, "game_system": G} for i in range(10)])
put("spell_schools", [{"name": "Schule %d" % i, "description": "", "game_system": G, "source_code": "S001"} for i in range(50)])
def skill(prefix, i):
    return {"name": "%s %d" % (prefix, i), "game_system": G, "beschreibung": "Beschreibung %d" % i, "page_number": i % 300,
            "initialwert": 5, "basiswert": 0, "bonuseigenschaft": "In", "improvable": True, "innate_skill": False,
            "category": "", "difficulty": "", "source_code": "S%03d" % (i % 50),
            "categories_difficulties": [{"learn_cost": 2, "category": "Kategorie %d" % (i % 100),
                                         "difficulty": "Stufe %d" % (i % 10)}]}
put("skills", [skill("Fertigkeit", i) for i in range(20000)])
put("weapon_skills", [skill("Waffe", i) for i in range(620)])
put("spells", [{"name": "Zauber %d" % i, "game_system": G, "beschreibung": "Text %d" % i, "page_number": i % 200,
                "bonus": 0, "level": 1 + i % 12, "ap": "1", "art": "Gestenzauber", "zauberdauer": "10 sec",
                "reichweite": "10 m", "wirkungsziel": "Körper", "wirkungsbereich": "1 Wesen", "wirkungsdauer": "1 min",
                "ursprung": "dr", "category": "Schule %d" % (i % 50), "learning_category": "Schule %d" % (i % 50),
                "source_code": "S%03d" % (i % 50)} for i in range(30000)])
def eq(prefix, i, **extra):
    r = {"name": "%s %d" % (prefix, i), "game_system": G, "beschreibung": "", "page_number": 0, "gewicht": 1.5,
         "wert": i * 0.25, "personal_item": False, "source_code": "S%03d" % (i % 50)}
    r.update(extra)
    return r
put("equipment", [eq("Ding", i) for i in range(10000)])
put("weapons", [eq("Schwert", i, skill_required="Waffe %d" % (i % 620), damage="1W6", range_near=0, range_middle=0,
                   range_far=0) for i in range(5000)])
put("containers", [eq("Sack", i, tragkraft=10, volumen=5) for i in range(2000)])
put("transportation", [eq("Karren", i, tragkraft=100, volumen=50) for i in range(500)])
put("believes", [{"name": "Glaube %d" % i, "game_system": G, "beschreibung": "", "page_number": 0, "source_code": ""}
                 for i in range(1000)])
put("misc_lookups", [{"key": "k%d" % (i % 50), "value": "Wert %d" % i, "page_number": 0, "source_code": "S000"}
                     for i in range(5000)])
put("class_category_ep_costs", [{"ep_per_te": 10 + (c + k) % 30, "character_class_code": "C%02d" % c,
                                 "skill_category_name": "Kategorie %d" % k} for c in range(50) for k in range(100)])
total = sum(len(v) for v in data.values()) + 20000 + 620
assert total == 100000, total
os.makedirs(work + "/set", exist_ok=True)
json.dump({"export_version": "2.0", "backend_version": "", "timestamp": "", "game_system": "M5", "data": data},
          open(work + "/set/bench.json", "w"), ensure_ascii=False)

# The same rows as SQL for the mariadb client: ids assigned here, references resolved here.
cols = {
 "sources": ("gsm_lit_sources", ["code", "name", "full_name", "edition", "publisher", "publish_year", "description", "is_core", "is_active", "game_system"]),
 "character_classes": ("gsm_character_classes", ["code", "name", "description", "game_system"]),
 "skill_categories": ("learning_skill_categories", ["name", "game_system"]),
 "skill_difficulties": ("learning_skill_difficulties", ["name", "game_system"]),
 "spell_schools": ("learning_spell_schools", ["name", "description", "game_system"]),
 "skills": ("gsm_skills", ["name", "game_system", "beschreibung", "page_number", "initialwert", ("basiswert", "basis_wert"), "bonuseigenschaft", "improvable", "innate_skill", "category", "difficulty"]),
 "weapon_skills": ("gsm_weaponskills", ["name", "game_system", "beschreibung", "page_number", "initialwert", ("basiswert", "basis_wert"), "bonuseigenschaft", "improvable", "innate_skill", "category", "difficulty"]),
 "spells": ("gsm_spells", ["name", "game_system", "beschreibung", "page_number", "bonus", ("level", "stufe"), "ap", "art", "zauberdauer", "reichweite", "wirkungsziel", "wirkungsbereich", "wirkungsdauer", "ursprung", "category", "learning_category"]),
 "equipment": ("gsm_equipments", ["name", "game_system", "beschreibung", "page_number", "gewicht", "wert", "personal_item"]),
 "weapons": ("gsm_weapons", ["name", "game_system", "beschreibung", "page_number", "gewicht", "wert", "personal_item", "skill_required", "damage", "range_near", "range_middle", "range_far"]),
 "containers": ("gsm_containers", ["name", "game_system", "beschreibung", "page_number", "gewicht", "wert", "personal_item", "tragkraft", "volumen"]),
 "transportation": ("gsm_transportations", ["name", "game_system", "beschreibung", "page_number", "gewicht", "wert", "personal_item", "tragkraft", "volumen"]),
 "believes": ("gsm_believes", ["name", "game_system", "beschreibung", "page_number"]),
 "misc_lookups": ("gsm_misc", ["key", "value", "page_number"]),
}
def lit(v):
    if isinstance(v, bool): return "1" if v else "0"
    if isinstance(v, (int, float)): return repr(v)
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"
ids = {}
out = open(work + "/set/bench.sql", "w")
def emit(table, names, rows):
    for start in range(0, len(rows), 1000):
        chunk = rows[start:start + 1000]
        out.write("INSERT INTO `%s` (%s) VALUES\n" % (table, ", ".join("`%s`" % n for n in names)))
        out.write(",\n".join("(" + ", ".join(lit(v) for v in r) + ")" for r in chunk))
        out.write("\nON DUPLICATE KEY UPDATE %s;\n" % ", ".join("`%s` = VALUES(`%s`)" % (n, n) for n in names if n != "id"))
src_id = {r["code"]: i + 1 for i, r in enumerate(data["sources"])}
for entity in ["sources", "character_classes", "skill_categories", "skill_difficulties", "spell_schools", "skills",
               "weapon_skills", "spells", "equipment", "weapons", "containers", "transportation", "believes", "misc_lookups"]:
    table, fields = cols[entity]
    names = ["id"] + [f[1] if isinstance(f, tuple) else f for f in fields] + ["game_system_id"]
    rows = []
    for i, r in enumerate(data[entity]):
        row = [i + 1] + [r[f[0] if isinstance(f, tuple) else f] for f in fields] + [1]
        rows.append(row)
        ids[(entity, r.get("name", r.get("code")))] = i + 1
    if "source_code" in data[entity][0]:
        names.append("source_id")
        for row, r in zip(rows, data[entity]):
            row.append(src_id.get(r["source_code"], 0))
    emit(table, names, rows)
for entity, table, pcol in [("skills", "learning_skill_category_difficulties", "skill_id"),
                            ("weapon_skills", "learning_weaponskill_category_difficulties", "weapon_skill_id")]:
    rows = []
    for i, r in enumerate(data[entity]):
        l = r["categories_difficulties"][0]
        rows.append([len(rows) + 1, i + 1, ids[("skill_categories", l["category"])], ids[("skill_difficulties", l["difficulty"])],
                     l["learn_cost"], l["category"][:25], l["difficulty"][:15]])
    emit(table, ["id", pcol, "skill_category_id", "skill_difficulty_id", "learn_cost", "skill_category", "skill_difficulty"], rows)
rows = []
cls = {r["code"]: i + 1 for i, r in enumerate(data["character_classes"])}
for i, r in enumerate(data["class_category_ep_costs"]):
    rows.append([i + 1, cls[r["character_class_code"]], ids[("skill_categories", r["skill_category_name"])], r["ep_per_te"],
                 r["character_class_code"][:3], r["skill_category_name"][:15]])
emit("learning_class_category_ep_costs", ["id", "character_class_id", "skill_category_id", "ep_per_te", "character_class", "skill_category"], rows)
out.close()
PY

mysql_client() {
  mariadb -h "$BAMORT_DB_HOST" -P "$BAMORT_DB_PORT" -u "$BAMORT_DB_USER" --password="$(cat "$BAMORT_DB_PASSWORD_FILE")" "$@"
}
fresh_db() {
  mysql_client -e "DROP DATABASE IF EXISTS \`$1\`; CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  BAMORT_DB_NAME=$1 "$build/bamort-migrate" --log-format json >/dev/null 2>&1
}
now_ms() { date +%s%3N; }
rate() { awk -v n=100000 -v ms="$1" 'BEGIN { printf "%.0f", n / (ms / 1000.0) }'; }

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
import_ms() {  # build_dir db report -> prints ms
  local t0 t1
  t0=$(now_ms)
  BAMORT_DB_NAME=$2 "$1/bamort-import-masterdata" --source "$work/set/bench.json" --report "$3" --log-format json \
    >/dev/null 2>>"$work/import.log" || { echo "bench-masterdata: import failed, see below" >&2; tail -5 "$work/import.log" >&2; exit 1; }
  t1=$(now_ms)
  echo $((t1 - t0))
}
phases() { python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["details"].get("timing_ms",{}); print(" ".join("%s=%s" % kv for kv in t.items()))' "$1"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'records 100000, %d rounds\n' "$rounds"
: >"$work/ours_empty"; : >"$work/ours_same"; : >"$work/client_empty"; : >"$work/client_same"
: >"$work/base_empty"; : >"$work/base_same"
for round in $(seq 1 "$rounds"); do
  fresh_db bench_ours
  fresh_db bench_client
  a=$(import_ms "$build" bench_ours "$work/r1.json"); echo "$a" >>"$work/ours_empty"
  b=$(import_ms "$build" bench_ours "$work/r2.json"); echo "$b" >>"$work/ours_same"
  t0=$(now_ms); mysql_client bench_client < "$work/set/bench.sql"; t1=$(now_ms); c=$((t1 - t0)); echo "$c" >>"$work/client_empty"
  t0=$(now_ms); mysql_client bench_client < "$work/set/bench.sql"; t1=$(now_ms); d=$((t1 - t0)); echo "$d" >>"$work/client_same"
  rows_ours=$(mysql_client -N bench_ours -e "SELECT (SELECT COUNT(*) FROM gsm_spells) + (SELECT COUNT(*) FROM gsm_skills)")
  rows_client=$(mysql_client -N bench_client -e "SELECT (SELECT COUNT(*) FROM gsm_spells) + (SELECT COUNT(*) FROM gsm_skills)")
  [ "$rows_ours" = "$rows_client" ] || { echo "bench-masterdata: row counts differ ($rows_ours vs $rows_client)" >&2; exit 1; }
  printf 'round %d: ours empty %d ms [%s], unchanged %d ms [%s]; client empty %d ms, unchanged %d ms\n' \
    "$round" "$a" "$(phases "$work/r1.json")" "$b" "$(phases "$work/r2.json")" "$c" "$d"
  if [ -n "$baseline" ]; then
    fresh_db bench_base
    e=$(import_ms "$baseline" bench_base "$work/r3.json"); echo "$e" >>"$work/base_empty"
    f=$(import_ms "$baseline" bench_base "$work/r4.json"); echo "$f" >>"$work/base_same"
    printf 'round %d: baseline empty %d ms, unchanged %d ms\n' "$round" "$e" "$f"
  fi
done
ours_empty=$(median <"$work/ours_empty"); ours_same=$(median <"$work/ours_same")
client_empty=$(median <"$work/client_empty"); client_same=$(median <"$work/client_same")

printf 'medians of %d rounds:\n' "$rounds"
printf 'bamort-import-masterdata empty   %6d ms  %7s records/s\n' "$ours_empty" "$(rate "$ours_empty")"
printf 'bamort-import-masterdata same    %6d ms  %7s records/s\n' "$ours_same" "$(rate "$ours_same")"
printf 'mariadb client INSERT..ODKU empty %5d ms  %7s records/s\n' "$client_empty" "$(rate "$client_empty")"
printf 'mariadb client INSERT..ODKU same  %5d ms  %7s records/s\n' "$client_same" "$(rate "$client_same")"
if [ -n "$baseline" ]; then
  base_empty=$(median <"$work/base_empty"); base_same=$(median <"$work/base_same")
  printf 'baseline (%s) empty %6d ms, same %6d ms\n' "$baseline" "$base_empty" "$base_same"
fi
awk -v a="$ours_empty" -v b="$client_empty" -v c="$ours_same" -v d="$client_same" \
  'BEGIN { printf "ratio (ours / client time)       empty %.2f, unchanged %.2f\n", a / b, c / d }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
