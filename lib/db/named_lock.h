// NamedLock: the deployment lock, a MariaDB user lock (GET_LOCK) named after the
// database, taken by every job that writes. The lock lives exactly as long as the
// connection that took it; since Connection never reconnects, losing the connection
// means losing the lock, and VerifyHeld() says so instead of carrying on unprotected.
//
// When the lock cannot be had, the error names the holder as far as the server shows
// it (connection id, user, client address, how long it has been idle or busy) plus
// what the holder wrote into the lock's description row, if any (see DescribeHolder).
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "db/connection.h"

namespace bamort {

struct LockHolder {
  uint64_t connection_id = 0;
  std::string user;
  std::string client_address;
  int64_t seconds_in_state = 0;
  std::string state;  // COMMAND/STATE of the holder, e.g. "Query" or "Sleep"
  std::string Describe() const;
};

class NamedLock {
 public:
  NamedLock() = default;
  ~NamedLock();
  NamedLock(const NamedLock&) = delete;
  NamedLock& operator=(const NamedLock&) = delete;

  // "bamort-deploy:<database>", shortened to MariaDB's 64-character limit.
  static std::string NameFor(const std::string& database);

  // Waits up to timeout_seconds (0 = try once). kPrecondition naming the holder when the
  // lock stays taken; a database error when the server fails.
  Status Acquire(Connection* conn, const std::string& name, int timeout_seconds);
  // The deployment lock of conn's database (NameFor(conn->config().name)): the one helper
  // every workflow takes its lock with, once.
  Status AcquireDeployment(Connection* conn, int timeout_seconds);
  Status Release();
  // Still held by our connection? Fails (with the errno) when the connection is gone.
  Status VerifyHeld() const;
  bool held() const { return conn_ != nullptr; }
  Connection* connection() const { return conn_; }  // null when not held
  const std::string& name() const { return name_; }

 private:
  Connection* conn_ = nullptr;
  std::string name_;
};

// Who holds the lock right now, or nullopt when it is free.
Status FindLockHolder(Connection* conn, const std::string& name, std::optional<LockHolder>* out);

}  // namespace bamort
