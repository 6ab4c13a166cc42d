// Status: the result of an operation that can fail, in the LevelDB style. Errors cross
// module boundaries as a Status, never as an exception. The codes map one-to-one onto
// the exit codes of DESIGN.md, so a job's main() only has to return status.exit_code().
// A Status is a value; copying it is cheap enough for error paths.
#pragma once

#include <string>

namespace bamort {

enum class StatusCode {
  kOk = 0,
  kFailed = 1,        // database error, I/O error: nothing was changed by us
  kBadInput = 2,      // bad usage, bad config, bad file: nothing touched
  kPrecondition = 3,  // incompatible version, lock not obtained, report missing or not ok
  kDirty = 4,         // failed after changing the database
};

class Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }
  static Status Failed(std::string message, std::string hint = "") {
    return Status(StatusCode::kFailed, std::move(message), std::move(hint), 0);
  }
  static Status BadInput(std::string message, std::string hint = "") {
    return Status(StatusCode::kBadInput, std::move(message), std::move(hint), 0);
  }
  static Status Precondition(std::string message, std::string hint = "") {
    return Status(StatusCode::kPrecondition, std::move(message), std::move(hint), 0);
  }
  static Status Dirty(std::string message, std::string hint = "") {
    return Status(StatusCode::kDirty, std::move(message), std::move(hint), 0);
  }
  // A server or client error; db_errno is MariaDB's error number (1062, 2006, ...).
  static Status DatabaseError(unsigned db_errno, std::string message, std::string hint = "") {
    return Status(StatusCode::kFailed, std::move(message), std::move(hint), db_errno);
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  int exit_code() const { return static_cast<int>(code_); }
  unsigned db_errno() const { return db_errno_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

  // "precondition: lock held by ..." plus the errno where there is one.
  std::string ToString() const;
  // The same status with "context: " put before its message.
  Status WithContext(const std::string& context) const;
  Status WithHint(std::string hint) const;
  // The same message under another code, e.g. a database error that happened after the
  // first committed statement becomes kDirty.
  Status WithCode(StatusCode code) const;

  static const char* CodeName(StatusCode code);

 private:
  Status(StatusCode code, std::string message, std::string hint, unsigned db_errno)
      : code_(code), message_(std::move(message)), hint_(std::move(hint)), db_errno_(db_errno) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string hint_;
  unsigned db_errno_ = 0;
};

}  // namespace bamort

// Returns the Status of expr from the calling function when it is not ok.
#define BAMORT_RETURN_IF_ERROR(expr)        \
  do {                                      \
    ::bamort::Status _status = (expr);      \
    if (!_status.ok()) return _status;      \
  } while (0)
