#include "masterdata/record_values.h"

#include <cmath>

#include <Poco/JSON/Array.h>

#include "masterdata/document.h"

namespace bamort::masterdata {

Status ScalarText(const Poco::JSON::Object::Ptr& record, const std::string& field, FieldType type, std::string* out) {
  if (!record->has(field) || record->get(field).isEmpty()) {
    *out = type == FieldType::kString ? "" : "0";
    return Status::Ok();
  }
  const Poco::Dynamic::Var& v = record->get(field);
  if (v.type() == typeid(Poco::JSON::Object::Ptr) || v.type() == typeid(Poco::JSON::Array::Ptr))
    return Status::BadInput("field '" + field + "' is an object or array, expected a scalar");
  try {
    switch (type) {
      case FieldType::kString:
        *out = v.toString();
        return Status::Ok();
      case FieldType::kInt: {
        if (v.isString()) return Status::BadInput("field '" + field + "' is a string, expected an integer");
        if (v.isBoolean()) return Status::BadInput("field '" + field + "' is a boolean, expected an integer");
        double d = v.convert<double>();
        if (d != std::floor(d)) return Status::BadInput("field '" + field + "' is not a whole number");
        *out = std::to_string(v.convert<Poco::Int64>());
        return Status::Ok();
      }
      case FieldType::kFloat:
        if (v.isString()) return Status::BadInput("field '" + field + "' is a string, expected a number");
        *out = FormatDouble(v.convert<double>());
        return Status::Ok();
      case FieldType::kBool:
        if (v.isBoolean()) {
          *out = v.convert<bool>() ? "1" : "0";
          return Status::Ok();
        }
        if (v.isNumeric()) {
          *out = v.convert<double>() != 0 ? "1" : "0";
          return Status::Ok();
        }
        return Status::BadInput("field '" + field + "' is not a boolean");
    }
  } catch (const Poco::Exception& e) {
    return Status::BadInput("field '" + field + "': " + e.displayText());
  }
  return Status::Ok();
}

std::string JsonLiteral(const Poco::JSON::Object::Ptr& record, const std::string& field, FieldType type) {
  std::string text;
  if (!ScalarText(record, field, type, &text).ok()) text = type == FieldType::kString ? "" : "0";
  switch (type) {
    case FieldType::kString: return JsonQuote(text);
    case FieldType::kBool: return text == "1" ? "true" : "false";
    default: return text;
  }
}

}  // namespace bamort::masterdata
