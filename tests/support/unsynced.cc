#include "tests/support/unsynced.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace prevent::plan::test_support {
namespace {

namespace fs = std::filesystem;

std::string Normal(const std::string& path) {
  return fs::absolute(fs::path(path)).lexically_normal().string();
}

}  // namespace

absl::Status DropUnsyncedBytes(const std::string& data_dir,
                               const std::string& log_path) {
  // The last synced size of each file, following renames and deletes.
  std::map<std::string, uint64_t> synced;
  std::ifstream log(log_path);
  std::string line;
  while (std::getline(log, line)) {
    std::istringstream words(line);
    std::string event;
    words >> event;
    if (event == "sync") {
      uint64_t size = 0;
      std::string path;
      words >> size;
      std::getline(words >> std::ws, path);
      synced[Normal(path)] = size;
    } else if (event == "rename") {
      std::string from, to;
      words >> from >> to;
      auto it = synced.find(Normal(from));
      if (it != synced.end()) {
        synced[Normal(to)] = it->second;
        synced.erase(it);
      } else {
        synced.erase(Normal(to));
      }
    } else if (event == "delete") {
      std::string path;
      std::getline(words >> std::ws, path);
      synced.erase(Normal(path));
    }
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(data_dir, error)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "LOG") || name == "LOCK") continue;
    const std::string path = Normal(entry.path().string());
    auto it = synced.find(path);
    const uint64_t keep = it == synced.end() ? 0 : it->second;
    if (entry.file_size() <= keep) continue;
    fs::resize_file(entry.path(), keep, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot cut ", path, ": ", error.message()));
    }
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list ", data_dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace prevent::plan::test_support
