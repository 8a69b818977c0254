#include "tests/support/chromium.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "tests/support/process.h"

namespace prevent::plan::test_support {

bool HaveChromium() { return ::access(kChromium, X_OK) == 0; }

absl::Status RunHeadlessChromium(const TempDir& dir,
                                 const std::vector<std::string>& args,
                                 const std::string& log) {
  // Without the background-networking flags Chromium tries this machine's
  // closed network, many times over.
  std::vector<std::string> all = {
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      absl::StrCat("--user-data-dir=", dir.Subpath("profile"))};
  all.insert(all.end(), args.begin(), args.end());
  absl::StatusOr<ChildProcess> chromium =
      ChildProcess::Start(kChromium, all, log);
  if (!chromium.ok()) return chromium.status();
  absl::StatusOr<int> exit = chromium->Wait(absl::Seconds(90));
  if (!exit.ok()) {
    return absl::Status(
        exit.status().code(),
        absl::StrCat(exit.status().message(), "\n", ReadFileTail(log)));
  }
  if (*exit != 0) {
    return absl::InternalError(
        absl::StrCat("chromium exited ", *exit, "\n", ReadFileTail(log)));
  }
  return absl::OkStatus();
}

}  // namespace prevent::plan::test_support
