#include "masterdata/record_values.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "masterdata/document.h"

namespace bamort::masterdata {

namespace {

// A JSON number literal as an integer; fractions and exponents only when whole.
Status IntegerText(const std::string& literal, const std::string& field, std::string* out) {
  if (literal.find_first_of(".eE") != std::string::npos) {
    double d = std::strtod(literal.c_str(), nullptr);
    if (d != std::floor(d)) return Status::BadInput("field '" + field + "' is not a whole number");
    if (std::fabs(d) >= 9.2e18) return Status::BadInput("field '" + field + "' is out of range");
    *out = std::to_string(static_cast<long long>(d));
    return Status::Ok();
  }
  errno = 0;
  long long v = std::strtoll(literal.c_str(), nullptr, 10);
  if (errno == ERANGE) return Status::BadInput("field '" + field + "' is out of range");
  *out = std::to_string(v);
  return Status::Ok();
}

}  // namespace

Status ValueText(const JsonValue* v, const std::string& field, FieldType type, std::string* out) {
  if (v == nullptr || v->is_null()) {
    if (type == FieldType::kString) out->clear();
    else *out = "0";
    return Status::Ok();
  }
  if (v->is_object() || v->is_array())
    return Status::BadInput("field '" + field + "' is an object or array, expected a scalar");
  using T = JsonValue::Type;
  switch (type) {
    case FieldType::kString:
      *out = v->text();  // numbers and booleans as their JSON text
      return Status::Ok();
    case FieldType::kInt:
      if (v->type() == T::kString) return Status::BadInput("field '" + field + "' is a string, expected an integer");
      if (v->type() == T::kBool) return Status::BadInput("field '" + field + "' is a boolean, expected an integer");
      return IntegerText(v->text(), field, out);
    case FieldType::kFloat:
      if (v->type() == T::kString) return Status::BadInput("field '" + field + "' is a string, expected a number");
      if (v->type() == T::kBool) {
        *out = v->bool_value() ? "1" : "0";
        return Status::Ok();
      }
      *out = FormatDouble(std::strtod(v->text().c_str(), nullptr));
      return Status::Ok();
    case FieldType::kBool:
      if (v->type() == T::kBool) {
        *out = v->bool_value() ? "1" : "0";
        return Status::Ok();
      }
      if (v->type() == T::kNumber) {
        *out = std::strtod(v->text().c_str(), nullptr) != 0 ? "1" : "0";
        return Status::Ok();
      }
      return Status::BadInput("field '" + field + "' is not a boolean");
  }
  return Status::Ok();
}

Status ScalarText(const JsonValue& record, const std::string& field, FieldType type, std::string* out) {
  return ValueText(record.Find(field), field, type, out);
}

std::string JsonLiteral(const JsonValue& record, const std::string& field, FieldType type) {
  std::string text;
  if (!ScalarText(record, field, type, &text).ok()) text = type == FieldType::kString ? "" : "0";
  switch (type) {
    case FieldType::kString: return JsonQuote(text);
    case FieldType::kBool: return text == "1" ? "true" : "false";
    default: return text;
  }
}

}  // namespace bamort::masterdata
