// libFuzzer target: ParseUkDate on arbitrary bytes must never crash or read
// out of bounds, and a date it reads must hold together: it reads back from
// its own label ("6 December 2026") and as ISO, and its UK midnight falls on
// it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "libplan/util/uk_time.h"

namespace {

[[noreturn]] void Fail(const char* why, absl::string_view text) {
  std::fprintf(stderr, "uk_date_fuzz: %s (input \"%.*s\")\n", why,
               static_cast<int>(text.size()), text.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<absl::CivilDay> day = plan::ParseUkDate(text);
  if (!day.has_value()) return 0;
  if (plan::ParseUkDate(plan::UkDateLabel(*day)) != day) {
    Fail("its label reads back differently", text);
  }
  const std::string iso =
      absl::StrFormat("%04d-%02d-%02d", static_cast<int>(day->year()),
                      day->month(), day->day());
  if (plan::ParseUkDate(iso) != day)
    Fail("its ISO form reads back differently", text);
  if (plan::ToUkDay(plan::UkStartOfDay(*day)) != *day) {
    Fail("its UK midnight is on another day", text);
  }
  return 0;
}
