// Fault points: named places in the engines where a test may step in (stop the process
// after a statement, commit a write between two snapshots). A process-wide registry that
// is empty in every shipped binary, so a fault point costs one lookup and does nothing;
// only the test-only bamort-<job>-faults binaries (tests/faults/install_hooks.cc) install
// hooks before running the job. No production code reads the environment for them.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace bamort {

// Names of the fault points, kept here so the hooks and the engines agree.
inline constexpr const char* kFaultAfterMigrationStatement = "migrate.after_statement";
inline constexpr const char* kFaultBeforeSnapshotB = "backup.before_snapshot_b";

// Runs the hook installed for `name`, if any.
void FaultPoint(const char* name);
// The SQL the hook for `name` wants committed there by another connection, if any.
std::optional<std::string> FaultPointSql(const char* name);

// For the test-only binaries: install before the job starts (not thread-safe against
// fault points already firing).
void InstallFaultPoint(const std::string& name, std::function<void()> hook);
void InstallFaultPointSql(const std::string& name, std::function<std::optional<std::string>()> hook);

}  // namespace bamort
