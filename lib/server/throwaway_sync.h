// Throwaway writes: the environment for a child process whose data files are deleted when
// the job ends (the private verify servers, the prepare of a physical backup's verify copy),
// with libbamort-nosync.so preloaded so that its fsync calls return at once
// (nosync_preload/nosync_preload.cc says why). Durable data (the physical restore, the
// production server) never gets it.
#pragma once

#include <string>
#include <vector>

namespace bamort {

// The library's path, looked up once: $BAMORT_NOSYNC_LIBRARY when set ("none" turns the
// preload off), else beside the running executable (the build folder), else in
// ../lib/bamort-deploy/ from it (an install). "" when there is none: the children then sync
// as usual, which is only slower.
const std::string& NoSyncLibrary();

// "LD_PRELOAD=<library>[:<the inherited LD_PRELOAD>]", or nothing when there is no library.
std::vector<std::string> ThrowawayWritesEnvironment();

// The options of mariadbd and mariadb-backup --prepare that read InnoDB data files through
// the page cache instead of O_DIRECT (the default since 10.6): a throwaway copy was mostly
// written a moment ago, so its pages are found in memory; O_DIRECT would first wait for them
// to reach the disk. Both spellings, "loose" so that each version ignores the one it lacks:
// innodb_flush_method (deprecated in 11.0, ignored by 11.x's mariadb-backup) and
// innodb_data_file_buffering (11.0.1 on).
std::vector<std::string> BufferedDataFileOptions();

}  // namespace bamort
