// A RocksDB file system that records, in a log of its own, how much of each
// file has been synced, for crash tests of the real binaries: after a
// kill -9, DropUnsyncedBytes (tests/support) cuts every file back to what a
// power cut would have left, so that a store that does not sync fails them.
// (kill -9 alone loses nothing the process wrote: the kernel keeps it.)
//
// Store::Open uses it when the environment variable PLAN_STORE_SYNC_LOG
// names the log file; nothing else does. Each line is one event, written
// with one write(2) to a file opened O_APPEND, after the event:
//   sync SIZE PATH      PATH is durable up to SIZE bytes
//   rename FROM TO      (taken as durable at once: directories are not
//                        tracked)
//   delete PATH
#ifndef LIBPLAN_STORAGE_SYNC_LOG_FILE_SYSTEM_H_
#define LIBPLAN_STORAGE_SYNC_LOG_FILE_SYSTEM_H_

#include <memory>
#include <string>

#include "rocksdb/file_system.h"

namespace plan {

// A file system over `base` that logs syncs to `log_path`; nullptr when the
// log cannot be opened.
std::shared_ptr<rocksdb::FileSystem> NewSyncLogFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base, const std::string& log_path);

}  // namespace plan

#endif  // LIBPLAN_STORAGE_SYNC_LOG_FILE_SYSTEM_H_
