// Privileges: whether the connected user holds the privileges a job needs on the
// connection's database, so a job can refuse before its first statement instead of
// failing halfway (and a dry run, which rehearses elsewhere, fails where the real run
// would). Read from information_schema: USER_PRIVILEGES (global grants) and
// SCHEMA_PRIVILEGES (database grants, matched with LIKE as the server matches wildcard
// grants such as `bamort\_%`). Roles and table-level grants are not resolved: where the
// user has any, the result says it cannot tell (known = false) rather than refuse.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"

namespace bamort {

struct PrivilegeCheck {
  bool known = true;
  std::string why_unknown;
  std::vector<std::string> missing;  // in the order needed
};

// needed: privilege names as information_schema spells them ("ALTER", "CREATE", ...).
Status CheckPrivileges(Connection* conn, const std::vector<std::string>& needed, PrivilegeCheck* out);
// The same on another database than the connection's (which need not exist yet: a
// database grant may name it before it is created).
Status CheckPrivilegesOn(Connection* conn, const std::string& database, const std::vector<std::string>& needed,
                         PrivilegeCheck* out);

}  // namespace bamort
