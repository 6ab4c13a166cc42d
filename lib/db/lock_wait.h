// Bounded lock waits for DDL and restore statements: a statement that cannot get its lock
// gives up after a few seconds, names the connection that holds it, and is tried again a
// bounded number of times, instead of waiting silently for as long as the holder lives.
//
// Why: an ALTER, DROP or RENAME needs an exclusive metadata lock on its table. An open
// application transaction that has read the table holds a shared one until it ends, and
// while the DDL waits for it every new statement on that table queues behind the DDL: the
// deploy stalls the application. So the session's lock_wait_timeout (metadata locks) and
// innodb_lock_wait_timeout (row locks) are set to wait_seconds. A statement that timed out
// (errno 1205) changed nothing (a DDL on MariaDB 10.6+ is atomic, a DML statement is rolled
// back), so it is safe to try again: after a pause in which the queued application
// statements run, at most `retries` more times. Then the error names the blockers and what
// the operator can do (finish that transaction, or KILL <id>). Nothing is killed here.
//
// Who blocks, from the best source the user can read: information_schema.METADATA_LOCK_INFO
// when the metadata_lock_info plugin is loaded (which lock on which table), else INNODB_TRX
// (needs the PROCESS privilege: the connections with an open transaction), else PROCESSLIST
// (without PROCESS only the user's own connections: those using the database).
// Not thread-safe: the functions use the connection given, one thread per Connection.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/connection.h"
#include "db/named_lock.h"

namespace bamort {

namespace dberr {
constexpr unsigned kLockWaitTimeout = 1205;
}  // namespace dberr

struct LockWaitOptions {
  int wait_seconds = 5;  // lock_wait_timeout of each attempt (--ddl-lock-wait)
  int retries = 3;       // attempts after the first (--ddl-retries)
  int pause_ms = 1000;   // between attempts: the application's queued statements run
  std::string database;  // whose tables the blockers hold; empty: the connection's database
};

struct LockBlocker {
  LockHolder connection;  // id, user, client address, COMMAND (STATE) and its time
  std::string holds;      // "MDL_SHARED_READ on `gsm_spells`", "a transaction open for 120 s", ...
  std::string Describe() const;
};

// Sets lock_wait_timeout and innodb_lock_wait_timeout of the session to wait_seconds.
Status SetSessionLockWait(Connection* conn, const LockWaitOptions& options);
// The assignments SetSessionLockWait makes ("lock_wait_timeout = 5, innodb_lock_wait_timeout
// = 5"), for a caller that sets them in its own SET SESSION with other variables.
std::string SessionLockWaitAssignments(const LockWaitOptions& options);

bool IsLockWaitTimeout(const Status& s);

// Gives the session the server's default lock waits back when it goes out of scope: the
// bounded waits are for the job's DDL only, and the connection's owner may go on with
// statements that should wait as usual (bamort-init imports on its migrate connection).
class SessionLockWaitScope {
 public:
  explicit SessionLockWaitScope(Connection* conn) : conn_(conn) {}
  ~SessionLockWaitScope();
  SessionLockWaitScope(const SessionLockWaitScope&) = delete;
  SessionLockWaitScope& operator=(const SessionLockWaitScope&) = delete;

 private:
  Connection* conn_;
};

// The other connections that may hold a lock on a table of `database` (at most 5, the
// longest-held first); *source says where they were read: "metadata_lock_info",
// "innodb_trx" or "processlist".
Status FindLockBlockers(Connection* conn, const std::string& database, std::vector<LockBlocker>* out,
                        std::string* source);

// "connection 42 of app from 10.0.0.5:3456, Sleep for 130 s, holding ...; connection 43 ..."
std::string DescribeBlockers(const std::vector<LockBlocker>& blockers, const std::string& source);

// Runs sql (the session's lock waits already set with SetSessionLockWait); on a lock-wait
// timeout logs the blockers and tries again as described above. When the retries run out
// the error keeps errno 1205 and names the statement, the blockers and the way out.
Status ExecuteBoundedWait(Connection* conn, std::string_view sql, const LockWaitOptions& options,
                          uint64_t* affected_rows = nullptr);

// The same retries around work of several statements (the restore's drops): attempt() is
// run again while it ends in a lock-wait timeout, at most 1 + retries times; each retry
// is announced through warn ("<what> waited ..."; empty: the log), and the final error is
// ExecuteBoundedWait's. A timed-out attempt of several statements may have run some of
// them, so the error does not say that nothing changed.
Status RetryOnLockWait(Connection* conn, const LockWaitOptions& options, const std::string& what,
                       const std::function<Status()>& attempt,
                       const std::function<void(const std::string&)>& warn = nullptr);

// LOCK TABLES ... WRITE on every one of tables of database at once (bounded wait, retried
// as above): all or none. *locked is false when the user lacks the LOCK TABLES privilege;
// then nothing is locked and a warning says so. Release with UNLOCK TABLES.
Status LockTablesBoundedWait(Connection* conn, const std::string& database, const std::vector<std::string>& tables,
                             const LockWaitOptions& options, bool* locked);

// Before the first destructive statement of a job: takes and releases the write locks of
// every base table of database, so a connection that would block the job is found (and
// named) while nothing has changed yet.
Status CheckNothingBlocks(Connection* conn, const std::string& database, const LockWaitOptions& options);

}  // namespace bamort
