// Reading the typed values of one master-data record (a Poco JSON object). A missing or
// null field reads as Go's zero value ("" / 0 / false), as upstream's decoder does; a
// value of the wrong kind (an object where a number belongs, "abc" for an int) is
// kBadInput naming the field, so the caller only adds file and record.
#pragma once

#include <string>

#include <Poco/JSON/Object.h>

#include "common/status.h"
#include "masterdata/entities.h"

namespace bamort::masterdata {

// Normalised text: strings as is, ints in decimal, floats via FormatDouble, bools "1"/"0".
Status ScalarText(const Poco::JSON::Object::Ptr& record, const std::string& field, FieldType type, std::string* out);
// The value as a JSON literal (for rendering); wrong kinds render as the zero value.
std::string JsonLiteral(const Poco::JSON::Object::Ptr& record, const std::string& field, FieldType type);

}  // namespace bamort::masterdata
