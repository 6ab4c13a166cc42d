// Dotenv: reads an environment file such as upstream Bamort's docker/.env as data. It is
// never executed and nothing in it is expanded, so a value like
// DATABASE_URL=u:p@tcp(mariadb:3306)/bamort?charset=utf8mb4&parseTime=True is taken as
// written. The rules, in docs/CONFIGURATION.md ("Environment files"):
//   - one KEY=VALUE per line, optionally preceded by `export `; blank lines and lines
//     starting with `#` are skipped; a trailing CR (CRLF files) is dropped;
//   - KEY is [A-Za-z_][A-Za-z0-9_]*; spaces around KEY and before VALUE are ignored;
//   - unquoted VALUE: up to the end of the line, trailing blanks dropped; ` #` (a blank
//     followed by #) starts a comment;
//   - 'single quoted': literal up to the next single quote;
//   - "double quoted": \" \\ \n \t \r \$ are escapes, anything else literal;
//   - after a closing quote only blanks or a ` #` comment may follow; a quote must close
//     on its line;
//   - `$` is literal everywhere (no ${VAR} interpolation, `$$` stays `$$`); an unquoted or
//     double-quoted value of a used key (DotenvKeyIsUsed) holding `$` gets a warning,
//     since docker compose would interpolate it where this reader does not;
//   - a key given twice: the later line wins.
// A malformed line is kBadInput naming the file and line number, never the line's text
// (it may hold a password). Thread-compatible: no shared state except in
// ApplyDotenvToProcess, which must run before any thread starts.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace bamort {

struct DotenvEntry {
  std::string key;
  std::string value;
  int line = 0;
};

struct DotenvFile {
  std::string path;
  std::vector<DotenvEntry> entries;  // in file order, duplicates kept
  std::vector<std::string> warnings;  // "FILE:LINE: KEY ...", never a value
};

// Parses text; path names the file in messages.
Status ParseDotenv(const std::string& path, const std::string& text, DotenvFile* out);
// Reads (at most 1 MiB) and parses the file.
Status ReadDotenvFile(const std::string& path, DotenvFile* out);

// Whether the jobs take KEY from an environment file: every BAMORT_* variable except the
// test settings BAMORT_TEST_*, DATABASE_URL, and the MariaDB image's MARIADB_USER,
// MARIADB_PASSWORD, MARIADB_PASSWORD_FILE, MARIADB_DATABASE. Everything else in the file
// (API_URL, MARIADB_ROOT_PASSWORD, ...) is checked for syntax and ignored.
bool DotenvKeyIsUsed(const std::string& key);

struct DotenvApplied {
  std::vector<std::string> set;   // keys taken from the file
  std::vector<std::string> kept;  // keys already set (non-empty) in the environment
};

// Sets every used key of the file in the process environment unless the environment
// already holds a non-empty value for it: the environment wins over the file.
DotenvApplied ApplyDotenvToProcess(const DotenvFile& file);

}  // namespace bamort
