#include "db/named_lock.h"

#include "common/sha256.h"

namespace bamort {

std::string LockHolder::Describe() const {
  std::string s = "connection " + std::to_string(connection_id) + " of " + user + " from " + client_address;
  if (!state.empty()) s += ", " + state + " for " + std::to_string(seconds_in_state) + " s";
  return s;
}

NamedLock::~NamedLock() {
  if (conn_ && !conn_->broken()) Release();
}

std::string NamedLock::NameFor(const std::string& database) {
  std::string name = "bamort-deploy:" + database;
  if (name.size() > 64) name = "bamort-deploy:" + Sha256Hex(database).substr(0, 40);
  return name;
}

Status NamedLock::Acquire(Connection* conn, const std::string& name, int timeout_seconds) {
  if (conn_) return Status::Failed("internal: lock " + name_ + " is already held");
  Value got;
  Status s = conn->QueryValue("SELECT GET_LOCK(" + conn->Quote(name) + ", " + std::to_string(timeout_seconds) + ")",
                              &got);
  if (!s.ok()) return s.WithContext("taking the deployment lock " + name);
  if (got && *got == "1") {
    conn_ = conn;
    name_ = name;
    return Status::Ok();
  }
  std::optional<LockHolder> holder;
  Status hs = FindLockHolder(conn, name, &holder);
  std::string who = hs.ok() && holder ? holder->Describe() : "another session";
  return Status::Precondition(
      "deployment lock " + name + " is held by " + who + " (waited " + std::to_string(timeout_seconds) + " s)",
      "another bamort job is working on this database; wait for it to finish, or raise --lock-timeout");
}

Status NamedLock::AcquireDeployment(Connection* conn, int timeout_seconds) {
  return Acquire(conn, NameFor(conn->config().name), timeout_seconds);
}

Status NamedLock::Release() {
  if (!conn_) return Status::Ok();
  Connection* conn = conn_;
  conn_ = nullptr;
  return conn->Execute("DO RELEASE_LOCK(" + conn->Quote(name_) + ")");
}

Status NamedLock::VerifyHeld() const {
  if (!conn_) return Status::Precondition("deployment lock is not held");
  Value owner;
  Status s = conn_->QueryValue("SELECT IS_USED_LOCK(" + conn_->Quote(name_) + ") = CONNECTION_ID()", &owner);
  if (!s.ok()) return s.WithContext("checking the deployment lock " + name_);
  if (!owner || *owner != "1") return Status::Precondition("deployment lock " + name_ + " was lost");
  return Status::Ok();
}

Status FindLockHolder(Connection* conn, const std::string& name, std::optional<LockHolder>* out) {
  *out = std::nullopt;
  ResultSet rs;
  Status s = conn->Query(
      "SELECT l.id, p.USER, p.HOST, p.TIME, p.COMMAND, p.STATE FROM (SELECT IS_USED_LOCK(" + conn->Quote(name) +
          ") AS id) l LEFT JOIN information_schema.PROCESSLIST p ON p.ID = l.id",
      &rs);
  if (!s.ok()) return s;
  if (rs.empty() || rs.IsNull(0, 0)) return Status::Ok();
  LockHolder h;
  h.connection_id = rs.GetUInt64(0, 0);
  h.user = rs.GetString(0, 1, "?");
  h.client_address = rs.GetString(0, 2, "?");
  h.seconds_in_state = rs.GetInt64(0, 3);
  h.state = rs.GetString(0, 4);
  std::string st = rs.GetString(0, 5);
  if (!st.empty()) h.state += " (" + st + ")";
  *out = h;
  return Status::Ok();
}

}  // namespace bamort
