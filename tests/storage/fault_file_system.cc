#include "tests/storage/fault_file_system.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace plan {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

// A file of a FaultFileSystem: asks it before each append and sync, and
// tells it after.
class FaultFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::string name, FaultFileSystem* fs,
            std::unique_ptr<rocksdb::FSWritableFile> file)
      : FSWritableFileOwnerWrapper(std::move(file)),
        name_(std::move(name)),
        fs_(fs) {}

  IOStatus Append(const Slice& data, const IOOptions& options,
                  IODebugContext* debug) override {
    IOStatus status = fs_->BeforeAppend(name_, data.size());
    if (status.ok()) status = target()->Append(data, options, debug);
    if (status.ok()) fs_->Appended(name_, data.size());
    return status;
  }
  IOStatus Append(const Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& info,
                  IODebugContext* debug) override {
    IOStatus status = fs_->BeforeAppend(name_, data.size());
    if (status.ok()) status = target()->Append(data, options, info, debug);
    if (status.ok()) fs_->Appended(name_, data.size());
    return status;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            IODebugContext* debug) override {
    IOStatus status = fs_->BeforeAppend(name_, data.size());
    if (status.ok()) {
      status = target()->PositionedAppend(data, offset, options, debug);
    }
    if (status.ok()) fs_->Appended(name_, data.size());
    return status;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            const rocksdb::DataVerificationInfo& info,
                            IODebugContext* debug) override {
    IOStatus status = fs_->BeforeAppend(name_, data.size());
    if (status.ok()) {
      status = target()->PositionedAppend(data, offset, options, info, debug);
    }
    if (status.ok()) fs_->Appended(name_, data.size());
    return status;
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* debug) override {
    IOStatus status = fs_->BeforeSync(name_);
    if (status.ok()) status = target()->Sync(options, debug);
    if (status.ok()) fs_->Synced(name_);
    return status;
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* debug) override {
    IOStatus status = fs_->BeforeSync(name_);
    if (status.ok()) status = target()->Fsync(options, debug);
    if (status.ok()) fs_->Synced(name_);
    return status;
  }
  IOStatus Close(const IOOptions& options, IODebugContext* debug) override {
    // Closing writes nothing of ours, and RocksDB closes files after a
    // crash too.
    return target()->Close(options, debug);
  }

 private:
  const std::string name_;
  FaultFileSystem* const fs_;
};

}  // namespace

FaultFileSystem::FaultFileSystem()
    : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

std::unique_ptr<rocksdb::Env> FaultFileSystem::NewEnv() {
  // The Env holds a shared_ptr that must not own this file system.
  return rocksdb::NewCompositeEnv(
      std::shared_ptr<rocksdb::FileSystem>(this, [](rocksdb::FileSystem*) {}));
}

void FaultFileSystem::FailWrites(Fault fault) {
  absl::MutexLock lock(&mu_);
  write_fault_ = fault;
}

void FaultFileSystem::FailWalSyncs(bool fail) {
  absl::MutexLock lock(&mu_);
  fail_wal_syncs_ = fail;
}

int FaultFileSystem::failures() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

void FaultFileSystem::Crash() {
  absl::MutexLock lock(&mu_);
  crashed_ = true;
}

absl::Status FaultFileSystem::DropUnsyncedData() {
  absl::MutexLock lock(&mu_);
  for (auto& [name, state] : files_) {
    if (state.size == state.synced) continue;
    std::error_code error;
    if (!std::filesystem::exists(name, error)) continue;
    std::filesystem::resize_file(name, state.synced, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot cut ", name, ": ", error.message()));
    }
    state.size = state.synced;
  }
  return absl::OkStatus();
}

void FaultFileSystem::Restart() {
  absl::MutexLock lock(&mu_);
  crashed_ = false;
  write_fault_ = Fault::kNone;
  fail_wal_syncs_ = false;
}

IOStatus FaultFileSystem::Wrap(const std::string& name, IOStatus opened,
                               bool truncated,
                               std::unique_ptr<rocksdb::FSWritableFile>* file) {
  if (!opened.ok()) return opened;
  {
    absl::MutexLock lock(&mu_);
    FileState& state = files_[name];
    if (truncated) state = FileState();
  }
  *file = std::make_unique<FaultFile>(name, this, std::move(*file));
  return opened;
}

IOStatus FaultFileSystem::NewWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* file, IODebugContext* debug) {
  {
    absl::MutexLock lock(&mu_);
    if (crashed_) return IOStatus::IOError("crashed");
  }
  return Wrap(name, target()->NewWritableFile(name, options, file, debug),
              /*truncated=*/true, file);
}

IOStatus FaultFileSystem::ReopenWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* file, IODebugContext* debug) {
  {
    absl::MutexLock lock(&mu_);
    if (crashed_) return IOStatus::IOError("crashed");
    if (files_.find(name) == files_.end()) {
      // Written before this file system saw it: all of it is on disk.
      std::error_code error;
      const uint64_t size = std::filesystem::file_size(name, error);
      if (!error) files_[name] = FileState{size, size};
    }
  }
  return Wrap(name, target()->ReopenWritableFile(name, options, file, debug),
              /*truncated=*/false, file);
}

IOStatus FaultFileSystem::ReuseWritableFile(
    const std::string& name, const std::string& old_name,
    const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* file, IODebugContext* debug) {
  {
    absl::MutexLock lock(&mu_);
    if (crashed_) return IOStatus::IOError("crashed");
    files_.erase(old_name);
  }
  return Wrap(name,
              target()->ReuseWritableFile(name, old_name, options, file, debug),
              /*truncated=*/true, file);
}

// A rename is taken as durable at once (directory syncs are not modelled):
// RocksDB renames only files it has synced (CURRENT, OPTIONS).
IOStatus FaultFileSystem::RenameFile(const std::string& from,
                                     const std::string& to,
                                     const IOOptions& options,
                                     IODebugContext* debug) {
  absl::MutexLock lock(&mu_);
  if (crashed_) return IOStatus::IOError("crashed");
  IOStatus status = target()->RenameFile(from, to, options, debug);
  if (status.ok()) {
    auto it = files_.find(from);
    if (it != files_.end()) {
      files_[to] = it->second;
      files_.erase(it);
    } else {
      files_.erase(to);
    }
  }
  return status;
}

IOStatus FaultFileSystem::DeleteFile(const std::string& name,
                                     const IOOptions& options,
                                     IODebugContext* debug) {
  absl::MutexLock lock(&mu_);
  if (crashed_) return IOStatus::IOError("crashed");
  IOStatus status = target()->DeleteFile(name, options, debug);
  if (status.ok()) files_.erase(name);
  return status;
}

IOStatus FaultFileSystem::BeforeAppend(const std::string& name, size_t bytes) {
  absl::MutexLock lock(&mu_);
  if (crashed_) return IOStatus::IOError("crashed");
  switch (write_fault_) {
    case Fault::kNone:
      return IOStatus::OK();
    case Fault::kNoSpace:
      ++failures_;
      return IOStatus::NoSpace(
          absl::StrCat("append of ", bytes, " bytes to ", name),
          "No space left on device");
    case Fault::kIoError:
      ++failures_;
      return IOStatus::IOError(absl::StrCat("append to ", name),
                               "injected I/O error");
  }
  return IOStatus::OK();
}

IOStatus FaultFileSystem::BeforeSync(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (crashed_) return IOStatus::IOError("crashed");
  if (fail_wal_syncs_ && absl::EndsWith(name, ".log")) {
    ++failures_;
    return IOStatus::IOError(absl::StrCat("sync of ", name),
                             "injected fsync failure");
  }
  return IOStatus::OK();
}

void FaultFileSystem::Appended(const std::string& name, size_t bytes) {
  absl::MutexLock lock(&mu_);
  files_[name].size += bytes;
}

void FaultFileSystem::Synced(const std::string& name) {
  absl::MutexLock lock(&mu_);
  FileState& state = files_[name];
  state.synced = state.size;
}

}  // namespace plan
