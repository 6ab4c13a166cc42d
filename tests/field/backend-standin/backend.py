#!/usr/bin/python3
"""Stand-in for upstream's backend in the field rehearsal (tests/field/README.md).

GET /api/public/version     {"version": "0.2.2", "gitCommit": "standin"}
GET /api/public/systeminfo  {version, gitCommit, userCount, charCount, dbVersion}, dbVersion
                            being SELECT version FROM schema_version ORDER BY id DESC LIMIT 1
Settings: DATABASE_URL (user:pass@tcp(host:port)/db?...), API_PORT (8180).
Prints "<UTC time> backend-standin started" and "... stopping" so the rehearsal can tell
from `podman logs` when it ran.
"""
import datetime
import http.server
import json
import os
import re
import signal
import sys

import pymysql

VERSION = "0.2.2"


def log(message):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    print(f"{now} backend-standin {message}", flush=True)


def parse_database_url(url):
    match = re.fullmatch(r"(?P<user>[^:]*):(?P<password>.*)@tcp\((?P<host>[^:)]+)(?::(?P<port>\d+))?\)/(?P<db>[^?]+)(?:\?.*)?", url)
    if not match:
        raise ValueError("DATABASE_URL is not user:password@tcp(host:port)/database")
    return dict(user=match["user"], password=match["password"], host=match["host"],
                port=int(match["port"] or 3306), database=match["db"])


def query_one(sql):
    settings = parse_database_url(os.environ.get("DATABASE_URL", ""))
    connection = pymysql.connect(**settings, charset="utf8mb4", connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
            return row[0] if row else None
    finally:
        connection.close()


def system_info():
    """A table that does not exist (schema_version on a legacy database) gives null."""
    info = {"version": VERSION, "gitCommit": "standin"}
    for key, sql in (("userCount", "SELECT COUNT(*) FROM users"),
                     ("charCount", "SELECT COUNT(*) FROM char_chars"),
                     ("dbVersion", "SELECT version FROM schema_version ORDER BY id DESC LIMIT 1")):
        try:
            info[key] = query_one(sql)
        except pymysql.err.ProgrammingError as error:
            if error.args[0] != 1146:  # ER_NO_SUCH_TABLE
                raise
            info[key] = None
    return info


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            if self.path == "/api/public/version":
                self.answer(200, {"version": VERSION, "gitCommit": "standin"})
            elif self.path == "/api/public/systeminfo":
                self.answer(200, system_info())
            else:
                self.answer(404, {"error": "not found"})
        except Exception as error:  # the database is down or the schema lacks a table
            self.answer(500, {"error": str(error).replace(os.environ.get("DATABASE_URL", "\0"), "<DATABASE_URL>")})

    def answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        log("request " + (fmt % args))


def main():
    port = int(os.environ.get("API_PORT", "8180"))
    server = http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler)

    def stop(signum, _frame):
        log(f"stopping (signal {signum})")
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"started on port {port}")
    server.serve_forever()


if __name__ == "__main__":
    main()
