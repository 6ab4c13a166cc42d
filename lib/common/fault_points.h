// Fault points of the process's Env (common/env.h), for engines that take no Env* yet
// (the Migrator). A shipped binary's Env does nothing at a fault point; only the
// test-only bamort-<job>-faults binaries (tests/faults/install_hooks.cc) install an Env
// that does. The names of the points are in common/env.h.
#pragma once

#include "common/env.h"

namespace bamort {

inline void FaultPoint(const char* name) { Env::Default()->FaultPoint(name); }

}  // namespace bamort
