#include "migrate/compatibility.h"

namespace bamort {

const char* CompatStateName(CompatState s) {
  switch (s) {
    case CompatState::kCompatible: return "compatible";
    case CompatState::kBehind: return "behind";
    case CompatState::kAhead: return "ahead";
    case CompatState::kDirty: return "dirty";
    case CompatState::kDrifted: return "drifted";
    case CompatState::kRestoreIncomplete: return "restore_incomplete";
    case CompatState::kInitIncomplete: return "init_incomplete";
  }
  return "unknown";
}

Compatibility AssessCompatibility(const DbVersionState& state, const std::vector<Migration>& migrations) {
  Compatibility c;
  c.required = migrations.back().version;
  c.actual_number = state.migration_number;
  int64_t last = migrations.back().number;
  if (state.migration_number >= 1 && state.migration_number <= last) {
    c.actual_version = migrations[static_cast<size_t>(state.migration_number - 1)].version.ToString();
  } else if (state.version) {
    c.actual_version = state.version;
  }
  for (const Migration& m : migrations) {
    if (m.number > state.migration_number) c.pending.push_back(&m);
  }
  for (const MigrationRecord& r : state.applied) {
    if (r.number < 1 || r.number > last || !r.checksum || r.checksum->empty()) continue;
    const Migration& m = migrations[static_cast<size_t>(r.number - 1)];
    if (*r.checksum != m.checksum) {
      c.checksum_drift.push_back(m.name + ": applied with checksum " + r.checksum->substr(0, 12) +
                                 "..., the file now has " + m.checksum.substr(0, 12) + "...");
    }
  }

  std::string actual = c.actual_version ? *c.actual_version : "none";
  if (state.operation) {
    c.state = state.operation->operation == "init" ? CompatState::kInitIncomplete : CompatState::kRestoreIncomplete;
    c.reason = state.operation->Describe() + ", has not finished (killed, failed or still running): the database "
               "holds only part of it";
  } else if (state.dirty) {
    const MigrationRecord& d = *state.dirty;
    c.state = CompatState::kDirty;
    c.reason = "migration " + std::to_string(d.number) + " (" + d.description + ") did not finish";
    if (d.statements_done && d.statements_total) {
      c.reason += " after " + std::to_string(*d.statements_done) + " of " + std::to_string(*d.statements_total) +
                  " statements";
    }
    c.reason += d.error_message ? ": " + *d.error_message
                                : " and recorded no error (the process was stopped or lost its connection)";
  } else if (state.migration_number > last) {
    c.state = CompatState::kAhead;
    c.reason = "the database is at migration " + std::to_string(state.migration_number) + " (version " + actual +
               "), newer than this build knows (" + std::to_string(last) + ", version " + c.required.ToString() +
               "): the backend is too old for this database";
  } else if (!c.pending.empty()) {
    c.state = CompatState::kBehind;
    c.reason = "database version " + actual + " (migration " + std::to_string(state.migration_number) +
               "), required " + c.required.ToString() + " (migration " + std::to_string(last) + "): " +
               std::to_string(c.pending.size()) + " migration(s) pending";
  } else {
    c.state = CompatState::kCompatible;
    c.reason = "database version " + actual + " matches the required version";
  }
  return c;
}

}  // namespace bamort
