// libFuzzer target: ParseTimescale on arbitrary bytes must never crash, hang
// or read out of bounds, and what it derives must hold together: the text is
// the input with whitespace collapsed, months are YYYY-MM with start <= end,
// an ongoing timescale has no end, text it reads nothing from has a note, and
// reading its own text again gives the same result. IsOverdue must not crash
// on any of it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/validation.h"

namespace {

[[noreturn]] void Fail(const std::string& why, absl::string_view text) {
  std::fprintf(stderr, "timescale_fuzz: %s (input \"%.*s\")\n", why.c_str(),
               static_cast<int>(text.size()), text.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const plan::TimescaleParse parsed = plan::ParseTimescale(text);
  const prevent::plan::v1::Timescale& t = parsed.timescale;
  for (const std::string* month : {&t.start(), &t.end()}) {
    if (!month->empty() && !plan::IsValidMonth(*month)) {
      Fail("bad month " + *month, text);
    }
  }
  if (!t.start().empty() && !t.end().empty() && t.start() > t.end()) {
    Fail("start after end", text);
  }
  if (t.ongoing() && !t.end().empty()) Fail("ongoing with an end", text);
  if (!t.text().empty() && t.start().empty() && t.end().empty() &&
      !t.ongoing() && parsed.note.empty()) {
    Fail("nothing read and no note", text);
  }
  if (t.text().size() > text.size()) Fail("text grew", text);
  const plan::TimescaleParse again = plan::ParseTimescale(t.text());
  const prevent::plan::v1::Timescale& u = again.timescale;
  if (u.text() != t.text() || u.start() != t.start() || u.end() != t.end() ||
      u.ongoing() != t.ongoing() || again.note != parsed.note) {
    Fail("reading the text again differs", text);
  }
  for (auto rag : {prevent::plan::v1::RED, prevent::plan::v1::BLUE}) {
    plan::IsOverdue(t, rag, absl::CivilDay(2024, 6, 15));
  }
  return 0;
}
