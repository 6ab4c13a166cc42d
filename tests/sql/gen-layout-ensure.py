#!/usr/bin/env python3
"""Writes the "ensure" blocks of the 0.4.0 migrations from lib/schema/expected/0.4.0.json:
every column, index and FK of the 0.4.0 layout, each IF NOT EXISTS, so that a database
lacking one of them (a real layout variant, e.g. a legacy database without users.role)
gets it with exactly the definition a fresh database has.

  block        file                                    what
  tracking     0001_version_tracking.sql               columns and indexes of schema_version / migration_history
  columns      0003_legacy_columns_and_money_merge.sql every other non-primary-key column
  indexes      0005_legacy_indexes_and_fks.sql         every secondary index
  fks          0005_legacy_indexes_and_fks.sql         every foreign key

Each block sits between the lines `-- >>> ensure BLOCK (generated ...)` and
`-- <<< ensure BLOCK` in its file; this script rewrites what lies between them.

    tests/sql/gen-layout-ensure.py           rewrite the blocks in migrations/
    tests/sql/gen-layout-ensure.py --check   exit 1 if a block differs from what it would write

The blocks are no-ops on a database that has everything (ADD ... IF NOT EXISTS of an
existing object changes nothing and rebuilds nothing), so the expected schemas do not
change. docs/MIGRATIONS.md, "Layout variants", says why and how this is tested.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TRACKING = ('schema_version', 'migration_history')
FILES = {
    'tracking': '0001_version_tracking.sql',
    'columns': '0003_legacy_columns_and_money_merge.sql',
    'indexes': '0005_legacy_indexes_and_fks.sql',
    'fks': '0005_legacy_indexes_and_fks.sql',
}


def q(name):
    return '`' + name.replace('`', '``') + '`'


def column_sql(c):
    s = q(c['name']) + ' ' + c['type'] + (' NULL' if c['nullable'] else ' NOT NULL')
    if c['default'] is not None:
        s += ' DEFAULT ' + c['default']
    if c['extra']:
        s += ' ' + c['extra']
    return s


def primary_columns(t):
    for i in t['indexes']:
        if i['name'] == 'PRIMARY':
            return set(i['columns'])
    return set()


def alter(table, clauses):
    if not clauses:
        return []
    return ['ALTER TABLE IF EXISTS ' + q(table) + '\n  ' + ',\n  '.join(clauses) + ';']


def column_clauses(t):
    pk = primary_columns(t)
    return ['ADD COLUMN IF NOT EXISTS ' + column_sql(c) for c in t['columns'] if c['name'] not in pk]


def index_clauses(t):
    return ['ADD ' + ('UNIQUE ' if i['unique'] else '') + 'INDEX IF NOT EXISTS ' + q(i['name']) + ' (' +
            ', '.join(q(c) for c in i['columns']) + ')' for i in t['indexes'] if i['name'] != 'PRIMARY']


def fk_clauses(t):
    return ['ADD CONSTRAINT ' + q(f['name']) + ' FOREIGN KEY IF NOT EXISTS (' + ', '.join(q(c) for c in f['columns']) +
            ') REFERENCES ' + q(f['ref_table']) + ' (' + ', '.join(q(c) for c in f['ref_columns']) + ') ON DELETE ' +
            f['on_delete'] + ' ON UPDATE ' + f['on_update'] for f in t['foreign_keys']]


def block(name, spec):
    out = []
    for t in spec['tables']:
        tracked = t['name'] in TRACKING
        if name == 'tracking' and tracked:
            out += alter(t['name'], column_clauses(t) + index_clauses(t))
        elif name == 'columns' and not tracked:
            out += alter(t['name'], column_clauses(t))
        elif name == 'indexes' and not tracked:
            out += alter(t['name'], index_clauses(t))
        elif name == 'fks' and not tracked:
            out += alter(t['name'], fk_clauses(t))
    return '\n'.join(out)


def rewrite(text, name, body):
    start = '-- >>> ensure ' + name
    end = '-- <<< ensure ' + name
    a = text.find(start)
    b = text.find(end)
    if a < 0 or b < a:
        raise SystemExit('gen-layout-ensure: markers for block %s not found' % name)
    line_end = text.index('\n', a) + 1
    return text[:line_end] + body + '\n' + text[b:]


def main():
    check = '--check' in sys.argv[1:]
    with open(os.path.join(ROOT, 'lib/schema/expected/0.4.0.json'), encoding='utf-8') as f:
        spec = json.load(f)
    differs = []
    for file_name in sorted(set(FILES.values())):
        path = os.path.join(ROOT, 'migrations', file_name)
        with open(path, encoding='utf-8', newline='') as f:
            text = f.read()
        new = text
        for name in [n for n, fn in FILES.items() if fn == file_name]:
            new = rewrite(new, name, block(name, spec))
        if new != text:
            differs.append(file_name)
            if not check:
                with open(path, 'w', encoding='utf-8', newline='') as f:
                    f.write(new)
    if check and differs:
        print('gen-layout-ensure: out of date: ' + ', '.join(differs), file=sys.stderr)
        return 1
    for d in differs:
        print('rewrote migrations/' + d)
    return 0


if __name__ == '__main__':
    sys.exit(main())
