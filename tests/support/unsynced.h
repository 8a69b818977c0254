// What a power cut leaves of a store written with PLAN_STORE_SYNC_LOG set
// (libplan/storage/sync_log_file_system.h): every file cut back to the size
// it had at its last sync, a file never synced emptied. Apply it after a
// kill -9 and before the restart, so that a store that acknowledges writes
// before syncing them loses those writes in the test, as it would in a
// power cut. (RocksDB's own text log and LOCK are left alone.)
//
//   setenv("PLAN_STORE_SYNC_LOG", log.c_str(), 1);   // before the start
//   ... start, write, kill -9 ...
//   ASSERT_TRUE(DropUnsyncedBytes(data_dir, log).ok());
#ifndef PLAN_TESTS_SUPPORT_UNSYNCED_H_
#define PLAN_TESTS_SUPPORT_UNSYNCED_H_

#include <string>

#include "absl/status/status.h"

namespace prevent::plan::test_support {

// Cuts the files of `data_dir` as above, from the sync log at `log_path`.
// Returns how it went; an error names the file it could not cut.
absl::Status DropUnsyncedBytes(const std::string& data_dir,
                               const std::string& log_path);

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_UNSYNCED_H_
