// Headless Chromium for tests that render the product's HTML pages.
#ifndef PLAN_TESTS_SUPPORT_CHROMIUM_H_
#define PLAN_TESTS_SUPPORT_CHROMIUM_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/support/temp_dir.h"

namespace prevent::plan::test_support {

// Debian's chromium package.
inline constexpr char kChromium[] = "/usr/bin/chromium";

// Whether Chromium is installed.
bool HaveChromium();

// Runs headless Chromium with `args` (e.g. --screenshot=PATH URL), plus the
// flags a closed sandbox needs and a fresh profile under `dir`; its output
// goes to `log`. Waits at most 90 seconds. OK when it exits 0; otherwise the
// error quotes the end of the log.
absl::Status RunHeadlessChromium(const TempDir& dir,
                                 const std::vector<std::string>& args,
                                 const std::string& log);

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_CHROMIUM_H_
