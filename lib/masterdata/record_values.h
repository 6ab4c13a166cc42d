// Reading the typed values of one master-data record (a JSON object). A missing or
// null field reads as Go's zero value ("" / 0 / false), as upstream's decoder does; a
// value of the wrong kind (an object where a number belongs, "abc" for an int) is
// kBadInput naming the field, so the caller only adds file and record.
#pragma once

#include <string>

#include "common/json_value.h"
#include "common/status.h"
#include "masterdata/entities.h"

namespace bamort::masterdata {

// Normalised text: strings as is, ints in decimal, floats via FormatDouble, bools "1"/"0".
Status ScalarText(const JsonValue& record, const std::string& field, FieldType type, std::string* out);
// The same for a value already looked up (nullptr = missing); field only names it in errors.
Status ValueText(const JsonValue* value, const std::string& field, FieldType type, std::string* out);
// The value as a JSON literal (for rendering); wrong kinds render as the zero value.
std::string JsonLiteral(const JsonValue& record, const std::string& field, FieldType type);

}  // namespace bamort::masterdata
