#!/usr/bin/env python3
"""Split one part (up or down) of a migration file into statements the way the engine does:
on ';' outside quotes ('...', "...", `...`) and comments (-- to end of line, # to end of
line, /* ... */). Prints the statements NUL-separated, or with --count just their number.

    split-statements.py FILE up|down [--count] [--first K]
"""
import sys

def part(text, want):
    out, sect = [], None
    for line in text.replace('\r\n', '\n').split('\n'):
        if line.rstrip() == '-- +up':
            sect = 'up'; continue
        if line.startswith('-- +down'):
            sect = 'down'; continue
        if sect == want:
            out.append(line)
    return '\n'.join(out)

def split(sql):
    stmts, cur, i, n = [], [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`":
            j = i + 1
            while j < n:
                if sql[j] == '\\' and c != '`':
                    j += 2; continue
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2; continue
                    break
                j += 1
            cur.append(sql[i:j + 1]); i = j + 1; continue
        if sql.startswith('--', i) and (i + 2 >= n or sql[i + 2] in ' \t\n'):
            j = sql.find('\n', i); j = n if j < 0 else j
            i = j; continue
        if c == '#':
            j = sql.find('\n', i); j = n if j < 0 else j
            i = j; continue
        if sql.startswith('/*', i):
            j = sql.find('*/', i + 2); j = n if j < 0 else j + 2
            cur.append(' '); i = j; continue
        if c == ';':
            s = ''.join(cur).strip()
            if s: stmts.append(s)
            cur = []; i += 1; continue
        cur.append(c); i += 1
    s = ''.join(cur).strip()
    if s: stmts.append(s)
    return stmts

if __name__ == '__main__':
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    stmts = split(part(open(args[0], encoding='utf-8').read(), args[1]))
    if '--count' in args:
        print(len(stmts)); sys.exit(0)
    if '--first' in args:
        stmts = stmts[:int(args[args.index('--first') + 1])]
    sys.stdout.write(''.join(s + ';\n' for s in stmts))
