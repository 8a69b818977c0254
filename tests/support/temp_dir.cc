#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace prevent::plan::test_support {

absl::StatusOr<TempDir> TempDir::Create(absl::string_view prefix) {
  if (prefix.empty() || prefix.find('/') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("TempDir prefix \"", prefix,
                     "\" must be non-empty and contain no '/'"));
  }
  const char* tmpdir = getenv("TMPDIR");
  std::string base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
  while (base.size() > 1 && base.back() == '/') base.pop_back();

  std::string templ = absl::StrCat(base, "/", prefix, ".XXXXXX");
  std::vector<char> buffer(templ.begin(), templ.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdtemp(\"", templ, "\")"));
  }
  return TempDir(std::string(buffer.data()));
}

TempDir::TempDir(TempDir&& other) noexcept
    : path_(std::exchange(other.path_, std::string())),
      keep_(std::exchange(other.keep_, false)) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::exchange(other.path_, std::string());
    keep_ = std::exchange(other.keep_, false);
  }
  return *this;
}

TempDir::~TempDir() { Remove(); }

std::string TempDir::Subpath(absl::string_view name) const {
  return absl::StrCat(path_, "/", name);
}

void TempDir::Remove() {
  if (path_.empty()) return;
  if (!keep_) {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
    if (error) {
      std::cerr << "TempDir: cannot remove " << path_ << ": " << error.message()
                << "\n";
    }
  }
  path_.clear();
  keep_ = false;
}

}  // namespace prevent::plan::test_support
