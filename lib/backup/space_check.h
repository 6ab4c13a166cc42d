// SpaceCheck: before a backup writes anything, whether its folders can hold what it will
// write. A backup that fills the disk halfway fails late, leaves a .partial folder, and on
// a shared disk can stop the database server too; this check refuses it at the start
// (kPrecondition, nothing written), in the dry run as in the real run.
//
// The needs are estimates from information_schema (DATA_LENGTH + INDEX_LENGTH of the
// database's tables), on the safe side:
//   the set in --out-dir     half the table bytes (measured: the gzipped SQL dump plus the
//                            gzipped JSON export are under a fifth), plus 16 MiB;
//   the private verify copy  the server's own files (about 118 MiB after
//                            mariadb-install-db) plus 1.5 times the table bytes.
// Needs on the same filesystem are added up. Free space is what statvfs gives an
// unprivileged writer (f_bavail), of the folder or its nearest existing parent, as the
// Env tells it (common/env.h: a test can hand in a full disk).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "db/connection.h"

namespace bamort {

struct SpaceNeed {
  std::string folder;
  std::string what;  // "the backup set", "the private verify server"
  uint64_t bytes = 0;
};

// DATA_LENGTH + INDEX_LENGTH of every table of the connection's database.
Status DatabaseBytes(Connection* conn, uint64_t* bytes);

std::vector<SpaceNeed> BackupSpaceNeeds(uint64_t table_bytes, const std::string& out_dir,
                                        const std::string& verify_dir /* "" = no private verify */);

// kPrecondition naming each folder that lacks room: what needs it, how much, how much is
// free; kFailed when a folder's filesystem cannot be read.
Status CheckFreeSpace(const std::vector<SpaceNeed>& needs, Env* env = Env::Default());

}  // namespace bamort
