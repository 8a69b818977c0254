// A directory that exists for the lifetime of one object.
//
// TempDir creates a fresh, private directory (mode 0700) under $TMPDIR, or
// /tmp when $TMPDIR is unset or empty, and removes it with everything in it
// when destroyed. Tests use it for RocksDB data, logs and port files so that
// runs never share state and leave nothing behind.
//
// Example:
//
//   absl::StatusOr<TempDir> dir = TempDir::Create("crash-test");
//   ASSERT_TRUE(dir.ok()) << dir.status();
//   std::string data_dir = dir->Subpath("data");
//
// Not thread-safe; movable, not copyable. A moved-from TempDir owns nothing.
#ifndef PLAN_TESTS_SUPPORT_TEMP_DIR_H_
#define PLAN_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace prevent::plan::test_support {

class TempDir {
 public:
  // Creates a new empty directory named `<prefix>.XXXXXX` under $TMPDIR (or
  // /tmp). `prefix` must not contain '/'. Returns INVALID_ARGUMENT for a bad
  // prefix and an error naming the path when mkdtemp fails.
  static absl::StatusOr<TempDir> Create(absl::string_view prefix = "plan-test");

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Removes the directory recursively unless Keep() was called. Errors are
  // reported on stderr, never thrown.
  ~TempDir();

  // The directory's path (absolute unless $TMPDIR is relative), with no
  // trailing '/'. Empty for a moved-from TempDir.
  const std::string& path() const { return path_; }

  // Returns path() + "/" + `name`. Does not create anything.
  std::string Subpath(absl::string_view name) const;

  // Leaves the directory in place when this object is destroyed, e.g. so that
  // logs of a failed test can be inspected afterwards.
  void Keep() { keep_ = true; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}

  // Removes the directory now (unless kept) and forgets it.
  void Remove();

  std::string path_;
  bool keep_ = false;
};

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_TEMP_DIR_H_
