// libbamort-nosync.so: loaded with LD_PRELOAD (server/throwaway_sync.h) into the processes
// that write only data which is deleted minutes later: the private verify servers and the
// prepare of a physical backup's verify copy. Their fsync calls would force the kernel to
// write the whole freshly unpacked copy to disk first (on 1 GB, `mariadb-backup --prepare`
// took 1.3-2.4 s instead of 0.1 s, almost all of it in one fdatasync), only for the copy to
// be removed. Never preloaded where the data stays (the physical restore's prepare, the
// production server).
//
// Built without the C and C++ runtimes (-nostdlib, no libc calls) so that it loads into
// any glibc, e.g. the mariadb-backup and mariadbd of the official MariaDB image in compose
// mode.
#include <sys/types.h>

extern "C" {

__attribute__((visibility("default"))) int fsync(int) { return 0; }
__attribute__((visibility("default"))) int fdatasync(int) { return 0; }
__attribute__((visibility("default"))) int syncfs(int) { return 0; }
__attribute__((visibility("default"))) void sync(void) {}
__attribute__((visibility("default"))) int sync_file_range(int, off64_t, off64_t, unsigned int) { return 0; }

}  // extern "C"
