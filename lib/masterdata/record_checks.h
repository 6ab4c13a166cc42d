// RecordChecks: a master-data document checked as a whole before the import sends a
// single statement (and by bamort-import-masterdata --check-only, which sends none):
// every record's fields against their declared types (entities.h) and against the
// columns they go to, as the newest expected schema this build knows declares them
// (expected_schema.h: VARCHAR(n) in characters, TEXT in bytes, INT ranges, NOT NULL).
// Refused, as kBadInput naming file, record (number and natural key) and field:
//   - null in a natural-key field or a NOT NULL column, a missing required reference;
//   - a value of the wrong kind (a number where text belongs, text where a number does);
//   - a NUL character, invalid or overlong UTF-8, text longer than its column;
//   - an integer outside its column's range.
// Also the record counts a header declares (export.json "records", metadata.json
// "records" / "total_records") against the records there are.
// Pure functions over the document; safe from any thread.
#pragma once

#include <string>

#include "common/json_value.h"
#include "common/status.h"
#include "masterdata/document.h"

namespace bamort::masterdata {

// Every record of doc, embedded ones included. info.file_of names the files.
Status CheckRecords(const MasterDataDocument& doc, const SourceInfo& info);

// counts: the "records" object of a header (entity -> number); file names the header.
// Every entity the header lists must hold exactly that many records in doc, and every
// entity doc carries must be listed. An absent counts (nullptr) is not checked.
Status CheckRecordCounts(const JsonValue* counts, const MasterDataDocument& doc, const std::string& file);

// A package's metadata.json: a JSON object whose export_version, game_system, "records"
// and "total_records" agree with the master data the package carries.
Status CheckPackageMetadata(const std::string& text, const MasterDataDocument& doc, const std::string& file);

}  // namespace bamort::masterdata
