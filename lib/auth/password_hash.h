// How Bamort stores a user's password: the backend compares the unsalted MD5 hex of the
// password with users.password_hash (upstream-facts.md). That is weak (no salt, fast to
// brute-force; see docs/SECURITY.md), but a user created any other way could not log
// in. Keep every use of it behind this one function so it changes in one place when
// the backend changes.
#pragma once

#include <string>

namespace bamort {

std::string BamortPasswordHash(const std::string& password);

}  // namespace bamort
