#include "libplan/storage/sync_log_file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"

namespace plan {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

// The log: one line per write(2), so lines of concurrent events never mix.
class SyncLog {
 public:
  explicit SyncLog(int fd) : fd_(fd) {}
  ~SyncLog() { ::close(fd_); }
  void Line(const std::string& line) {
    const std::string text = line + "\n";
    ssize_t ignored = ::write(fd_, text.data(), text.size());
    (void)ignored;
  }

 private:
  const int fd_;
};

class SyncLogFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  SyncLogFile(std::string name, uint64_t size, std::shared_ptr<SyncLog> log,
              std::unique_ptr<rocksdb::FSWritableFile> file)
      : FSWritableFileOwnerWrapper(std::move(file)),
        name_(std::move(name)),
        size_(size),
        log_(std::move(log)) {}

  IOStatus Append(const Slice& data, const IOOptions& options,
                  IODebugContext* debug) override {
    IOStatus status = target()->Append(data, options, debug);
    if (status.ok()) size_ += data.size();
    return status;
  }
  IOStatus Append(const Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& info,
                  IODebugContext* debug) override {
    IOStatus status = target()->Append(data, options, info, debug);
    if (status.ok()) size_ += data.size();
    return status;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            IODebugContext* debug) override {
    IOStatus status = target()->PositionedAppend(data, offset, options, debug);
    if (status.ok()) size_ = std::max<uint64_t>(size_, offset + data.size());
    return status;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            const rocksdb::DataVerificationInfo& info,
                            IODebugContext* debug) override {
    IOStatus status =
        target()->PositionedAppend(data, offset, options, info, debug);
    if (status.ok()) size_ = std::max<uint64_t>(size_, offset + data.size());
    return status;
  }
  IOStatus Truncate(uint64_t size, const IOOptions& options,
                    IODebugContext* debug) override {
    IOStatus status = target()->Truncate(size, options, debug);
    if (status.ok()) size_ = size;
    return status;
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* debug) override {
    return Logged(target()->Sync(options, debug));
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* debug) override {
    return Logged(target()->Fsync(options, debug));
  }
  IOStatus Close(const IOOptions& options, IODebugContext* debug) override {
    return target()->Close(options, debug);
  }

 private:
  IOStatus Logged(IOStatus status) {
    if (status.ok())
      log_->Line(absl::StrCat("sync ", size_.load(), " ", name_));
    return status;
  }

  const std::string name_;
  std::atomic<uint64_t> size_;
  const std::shared_ptr<SyncLog> log_;
};

class SyncLogFileSystem : public rocksdb::FileSystemWrapper {
 public:
  SyncLogFileSystem(std::shared_ptr<rocksdb::FileSystem> base,
                    std::shared_ptr<SyncLog> log)
      : FileSystemWrapper(std::move(base)), log_(std::move(log)) {}
  const char* Name() const override { return "SyncLogFileSystem"; }

  IOStatus NewWritableFile(const std::string& name,
                           const rocksdb::FileOptions& options,
                           std::unique_ptr<rocksdb::FSWritableFile>* file,
                           IODebugContext* debug) override {
    IOStatus status = target()->NewWritableFile(name, options, file, debug);
    if (status.ok()) Wrap(name, 0, file);
    return status;
  }
  IOStatus ReopenWritableFile(const std::string& name,
                              const rocksdb::FileOptions& options,
                              std::unique_ptr<rocksdb::FSWritableFile>* file,
                              IODebugContext* debug) override {
    uint64_t size = 0;
    (void)target()->GetFileSize(name, IOOptions(), &size, debug);
    IOStatus status = target()->ReopenWritableFile(name, options, file, debug);
    if (status.ok()) Wrap(name, size, file);
    return status;
  }
  IOStatus ReuseWritableFile(const std::string& name,
                             const std::string& old_name,
                             const rocksdb::FileOptions& options,
                             std::unique_ptr<rocksdb::FSWritableFile>* file,
                             IODebugContext* debug) override {
    IOStatus status =
        target()->ReuseWritableFile(name, old_name, options, file, debug);
    if (status.ok()) {
      log_->Line(absl::StrCat("delete ", old_name));
      Wrap(name, 0, file);
    }
    return status;
  }
  IOStatus RenameFile(const std::string& from, const std::string& to,
                      const IOOptions& options,
                      IODebugContext* debug) override {
    IOStatus status = target()->RenameFile(from, to, options, debug);
    if (status.ok()) log_->Line(absl::StrCat("rename ", from, " ", to));
    return status;
  }
  IOStatus DeleteFile(const std::string& name, const IOOptions& options,
                      IODebugContext* debug) override {
    IOStatus status = target()->DeleteFile(name, options, debug);
    if (status.ok()) log_->Line(absl::StrCat("delete ", name));
    return status;
  }

 private:
  void Wrap(const std::string& name, uint64_t size,
            std::unique_ptr<rocksdb::FSWritableFile>* file) {
    *file = std::make_unique<SyncLogFile>(name, size, log_, std::move(*file));
  }

  const std::shared_ptr<SyncLog> log_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> NewSyncLogFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base, const std::string& log_path) {
  const int fd =
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return nullptr;
  return std::make_shared<SyncLogFileSystem>(std::move(base),
                                             std::make_shared<SyncLog>(fd));
}

}  // namespace plan
