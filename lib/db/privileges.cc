#include "db/privileges.h"

#include <set>

namespace bamort {

namespace {

// CURRENT_USER() is user@host; information_schema's GRANTEE is 'user'@'host'.
const char* kGrantee =
    "CONCAT('''', LEFT(CURRENT_USER(), CHAR_LENGTH(CURRENT_USER()) - CHAR_LENGTH(SUBSTRING_INDEX(CURRENT_USER(), "
    "'@', -1)) - 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

}  // namespace

Status CheckPrivileges(Connection* conn, const std::vector<std::string>& needed, PrivilegeCheck* out) {
  return CheckPrivilegesOn(conn, "", needed, out);
}

Status CheckPrivilegesOn(Connection* conn, const std::string& database, const std::vector<std::string>& needed,
                         PrivilegeCheck* out) {
  *out = PrivilegeCheck();
  const std::string db = database.empty() ? "DATABASE()" : conn->Quote(database);
  Value roles, table_grants;
  BAMORT_RETURN_IF_ERROR(conn->QueryValue("SELECT COUNT(*) FROM information_schema.APPLICABLE_ROLES", &roles));
  BAMORT_RETURN_IF_ERROR(conn->QueryValue(std::string("SELECT COUNT(*) FROM information_schema.TABLE_PRIVILEGES "
                                                      "WHERE TABLE_SCHEMA = " + db + " AND GRANTEE = ") +
                                              kGrantee,
                                          &table_grants));
  if ((roles && *roles != "0") || (table_grants && *table_grants != "0")) {
    out->known = false;
    out->why_unknown = "the user has roles or table-level grants, which this check does not resolve";
    return Status::Ok();
  }
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query(
      std::string("SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ") + kGrantee +
          " UNION SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = " + kGrantee +
          " AND " + db + " LIKE TABLE_SCHEMA",
      &rs));
  std::set<std::string> held;
  for (size_t i = 0; i < rs.size(); ++i) held.insert(rs.GetString(i, 0));
  for (const std::string& p : needed) {
    if (!held.count(p)) out->missing.push_back(p);
  }
  return Status::Ok();
}

}  // namespace bamort
