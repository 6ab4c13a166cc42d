// UseHugePageHeap: for the jobs that move hundreds of MB through memory (the master-data
// import and init hold a whole document of small objects; backup and restore stream
// multi-megabyte chunks through compression). On the 2-core VMs we measured, first-touch
// page faults of malloc'd memory were the largest client cost: glibc's malloc backed by
// transparent huge pages (the `glibc.malloc.hugetlb=1` tunable, glibc 2.35+, with THP in
// "madvise" or "always" mode) and a heap that is kept rather than trimmed cut reading a
// 24 MB export from ~0.5 s to ~0.1 s and a 1 GB backup from ~21 s to ~18 s. Tunables are
// only read at process start, so this re-executes the job once with GLIBC_TUNABLES
// extended (same pid, argv and environment otherwise). It does nothing when the
// operator already set a hugetlb tunable, and the job simply runs on (slower) when the
// exec fails. See docs/MASTERDATA.md, "Import", and docs/BACKUP.md.
#pragma once

namespace bamort {

void UseHugePageHeap(char** argv);

}  // namespace bamort
