#include "tests/support/directory_digest.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace prevent::plan::test_support {

std::map<std::string, std::string> StoreFiles(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "LOG") || name == "LOCK") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string content(std::istreambuf_iterator<char>(in), {});
    files[name] = absl::StrCat(content.size(), " bytes, hash ",
                               std::hash<std::string>()(content));
  }
  return files;
}

}  // namespace prevent::plan::test_support
