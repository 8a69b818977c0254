// A RocksDB file system for tests: it fails writes and syncs on demand, and
// it can "crash", losing every byte that was written but not synced, as a
// power cut does (kill -9 does not: the kernel's page cache survives it).
//
//   auto fs = std::make_shared<FaultFileSystem>();
//   std::unique_ptr<rocksdb::Env> env = fs->NewEnv();
//   auto store = Store::Open({.path = dir, .env = env.get()});
//   fs->FailWrites(FaultFileSystem::Fault::kNoSpace);   // the disk is full
//   ...
//   fs->Crash();            // nothing more reaches the disk
//   store.reset();          // (its closing writes are lost)
//   fs->DropUnsyncedData(); // the files as they were at the last syncs
//   fs->Restart();
#ifndef TESTS_STORAGE_FAULT_FILE_SYSTEM_H_
#define TESTS_STORAGE_FAULT_FILE_SYSTEM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace plan {

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault {
    kNone,
    kNoSpace,  // appends fail with "No space left on device"
    kIoError,  // appends fail with an I/O error
  };

  FaultFileSystem();
  const char* Name() const override { return "FaultFileSystem"; }

  // An Env over this file system, for StoreOptions::env. The file system
  // must outlive it.
  std::unique_ptr<rocksdb::Env> NewEnv();

  // From now on, appends to files fail with `fault` (kNone: they succeed).
  void FailWrites(Fault fault);
  // From now on, syncs of WAL files (*.log) fail, or succeed again.
  void FailWalSyncs(bool fail);
  // How many writes and syncs have been failed so far.
  int failures() const;

  // From now on every write, sync, rename and delete fails, as if the
  // machine had stopped; reads go on.
  void Crash();
  // Cuts each file written since the crash began back to the size it had at
  // its last sync (a file never synced loses everything). Call after Crash,
  // once the store is closed.
  absl::Status DropUnsyncedData();
  // Undoes Crash and every fault.
  void Restart();

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& name, const std::string& old_name,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus DeleteFile(const std::string& name,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override;

  // For the files it hands out.
  rocksdb::IOStatus BeforeAppend(const std::string& name, size_t bytes);
  rocksdb::IOStatus BeforeSync(const std::string& name);
  void Appended(const std::string& name, size_t bytes);
  void Synced(const std::string& name);

 private:
  struct FileState {
    uint64_t size = 0;    // bytes written
    uint64_t synced = 0;  // bytes known to be on disk
  };
  rocksdb::IOStatus Wrap(const std::string& name, rocksdb::IOStatus opened,
                         bool truncated,
                         std::unique_ptr<rocksdb::FSWritableFile>* file);

  mutable absl::Mutex mu_;
  Fault write_fault_ ABSL_GUARDED_BY(mu_) = Fault::kNone;
  bool fail_wal_syncs_ ABSL_GUARDED_BY(mu_) = false;
  bool crashed_ ABSL_GUARDED_BY(mu_) = false;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  // Files written through this file system, by name.
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);
};

}  // namespace plan

#endif  // TESTS_STORAGE_FAULT_FILE_SYSTEM_H_
