#include "common/status.h"

namespace bamort {

const char* Status::CodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kFailed: return "failed";
    case StatusCode::kBadInput: return "bad_input";
    case StatusCode::kPrecondition: return "precondition";
    case StatusCode::kDirty: return "dirty";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s = std::string(CodeName(code_)) + ": " + message_;
  if (db_errno_ != 0) s += " (errno " + std::to_string(db_errno_) + ")";
  return s;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  Status s = *this;
  s.message_ = context + ": " + message_;
  return s;
}

Status Status::WithHint(std::string hint) const {
  Status s = *this;
  s.hint_ = std::move(hint);
  return s;
}

Status Status::WithCode(StatusCode code) const {
  Status s = *this;
  s.code_ = code;
  return s;
}

}  // namespace bamort
