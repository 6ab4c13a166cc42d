// UseHugePageHeap: for the jobs that hold a whole master-data document in memory
// (hundreds of MB of small objects). On the 2-core VMs we measured, first-touch page
// faults of malloc'd memory took about a third of the import's client time; glibc's
// malloc backed by transparent huge pages (the `glibc.malloc.hugetlb=1` tunable, glibc
// 2.35+, with THP in "madvise" or "always" mode) cut reading a 24 MB export from
// ~0.5 s to ~0.1 s. Tunables are only read at process start, so this re-executes the
// job once with GLIBC_TUNABLES extended (same pid, argv and environment otherwise).
// It does nothing when the operator already set a hugetlb tunable, and the job simply
// runs on (slower) when the exec fails. See docs/MASTERDATA.md, "Benchmark".
#pragma once

namespace bamort {

void UseHugePageHeap(char** argv);

}  // namespace bamort
