#!/usr/bin/python3
"""Assertions of the field rehearsal (scripts/field-rehearsal.sh) that read JSON reports,
the backend stand-in's log and query results. Each command prints what it found and exits
1 with a message naming what is wrong.

  checks.py reports-ok RUN_DIR STEP[:WORD,...]...
        every named report exists and says ok (or one of the WORDs, matched against its
        status or details.state), no validate check failed, and every other report of
        the run says ok
  checks.py report-status RUN_DIR STEP       prints the status of RUN_DIR/STEP.json
  checks.py field RUN_DIR STEP EXPR          prints a field of a report (Python expression over d)
  checks.py backend-timeline LOG RUN_DIR STOP_BEFORE START_AFTER
        the backend stand-in (its "started"/"stopping" lines) was stopped before the report
        STOP_BEFORE started, did not run until that report finished, and was started after
        the report START_AFTER finished (and is the last event: running now)
  checks.py same-lines BEFORE AFTER [RENAMES] two "name value..." files are equal, after
        renaming the names of BEFORE by the "old new" lines of RENAMES
  checks.py json-get EXPR < DOCUMENT         prints a field of a JSON document on stdin
"""
import datetime
import json
import os
import sys


def fail(message):
    print(f"field rehearsal check FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def parse_time(text):
    """RFC 3339 UTC as the reports and the stand-in write it, to an aware datetime."""
    text = text.strip().replace("Z", "+00:00")
    day, _, rest = text.partition("T")
    clock, sign, zone = rest.partition("+")
    whole, _, fraction = clock.partition(".")
    fraction = (fraction + "000000")[:6]
    return datetime.datetime.fromisoformat(f"{day}T{whole}.{fraction}{sign}{zone or '00:00'}")


def load_report(run_dir, step):
    path = os.path.join(run_dir, f"{step}.json")
    if not os.path.isfile(path):
        fail(f"no report {path}")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def reports_ok(run_dir, specs):
    expected = {}
    for spec in specs:
        step, _, words = spec.partition(":")
        expected[step] = words.split(",") if words else ["ok"]
    for step in sorted(f[:-5] for f in os.listdir(run_dir) if f.endswith(".json")):
        expected.setdefault(step, ["ok"])
    said = []
    for step, words in expected.items():
        report = load_report(run_dir, step)
        status, state = report.get("status"), (report.get("details") or {}).get("state")
        if status not in words and state not in words:
            fail(f"{step}.json says {status!r} (state {state!r}), expected {' or '.join(words)}: "
                 f"{json.dumps(report.get('error'))} {json.dumps(report.get('warnings'))}")
        failed = [c.get("name") for c in (report.get("details") or {}).get("checks", []) if c.get("status") == "fail"]
        if failed:
            fail(f"{step}.json: checks failed: {failed}")
        said.append(f"{step} {status}" + (f" ({state})" if state else "")
                    + (f" [{len(report.get('warnings') or [])} warning(s)]" if report.get("warnings") else ""))
    print("reports: " + ", ".join(said))


def backend_events(log_path):
    events = []
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            words = line.split()
            if len(words) >= 3 and words[1] == "backend-standin" and words[2] in ("started", "stopping"):
                events.append((parse_time(words[0]), words[2]))
    if not events:
        fail(f"no start/stop lines of the backend stand-in in {log_path}")
    return events


def backend_timeline(log_path, run_dir, stop_before, start_after):
    events = backend_events(log_path)
    first = load_report(run_dir, stop_before)
    last = load_report(run_dir, start_after)
    window_start = parse_time(first["started_at"])
    window_end = parse_time(last["finished_at"])
    before = [e for e in events if e[0] <= window_start]
    if not before or before[-1][1] != "stopping":
        fail(f"the backend was not stopped before {stop_before} started ({window_start.isoformat()}); events: {events}")
    during = [e for e in events if window_start < e[0] <= window_end]
    if during:
        fail(f"the backend changed state between {stop_before} start and {start_after} end: {during}")
    after = [e for e in events if e[0] > window_end]
    if not after or after[0][1] != "started" or events[-1][1] != "started":
        fail(f"the backend was not started after {start_after} finished ({window_end.isoformat()}); events: {events}")
    print(f"backend stopped at {before[-1][0].isoformat()}, {stop_before} {window_start.isoformat()}"
          f" .. {start_after} {window_end.isoformat()}, backend started at {after[0][0].isoformat()}")


def read_lines(path, renames=None):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words:
                name = (renames or {}).get(words[0], words[0])
                rows[name] = words[1:]
    return rows


def same_lines(before_path, after_path, renames_path=None):
    renames = {}
    if renames_path:
        renames = {old: new for old, new in (l.split() for l in open(renames_path, encoding="utf-8") if l.strip())}
    before = read_lines(before_path, renames)
    after = read_lines(after_path)
    missing = sorted(set(before) - set(after))
    changed = sorted(n for n in before if n in after and before[n] != after[n])
    if missing or changed:
        fail(f"{before_path} vs {after_path}: missing {missing}, changed "
             + ", ".join(f"{n} {before[n]} -> {after[n]}" for n in changed))
    print(f"{len(before)} tables equal ({os.path.basename(before_path)} = {os.path.basename(after_path)})")


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    command, args = argv[1], argv[2:]
    if command == "reports-ok":
        reports_ok(args[0], args[1:])
    elif command == "report-status":
        print(load_report(args[0], args[1]).get("status"))
    elif command == "field":
        d = load_report(args[0], args[1])  # noqa: F841 (used by the expression)
        print(eval(args[2]))  # pylint: disable=eval-used
    elif command == "backend-timeline":
        backend_timeline(*args)
    elif command == "same-lines":
        same_lines(*args)
    elif command == "json-get":
        d = json.load(sys.stdin)  # noqa: F841
        print(eval(args[0]))  # pylint: disable=eval-used
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
