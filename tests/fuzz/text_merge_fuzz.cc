// libFuzzer target: MergeText on arbitrary texts must never crash, hang or
// read out of bounds, and must keep its promises. The input holds the base,
// current and incoming texts separated by NUL bytes (missing ones are empty).
//
// Checked on every input:
//   - TokenizeText gives each text back when its tokens are concatenated;
//   - MergeText(b, x, x) == x, MergeText(b, b, x) == x, MergeText(b, x, b) ==
//   x;
//   - swapping current and incoming gives the same result or the same
//     conflict;
//   - a clean merge is no longer than both sides together, and is
//     structurally valid UTF-8 when the three texts are.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "libplan/merge/text_merge.h"

namespace {

// Whether every multi-byte lead byte in `text` is followed by exactly its
// continuation bytes (what splitting a character would break).
bool IsStructurallyUtf8(absl::string_view text) {
  size_t pending = 0;  // Continuation bytes still expected.
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool continuation = (byte & 0xC0) == 0x80;
    if (pending > 0) {
      if (!continuation) return false;
      --pending;
    } else if (continuation || byte >= 0xF8) {
      return false;
    } else {
      pending = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : byte >= 0xC0 ? 1 : 0;
    }
  }
  return pending == 0;
}

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckTokensRebuild(absl::string_view text) {
  std::string joined;
  for (absl::string_view token : plan::TokenizeText(text)) {
    Check(!token.empty());
    joined.append(token.data(), token.size());
  }
  Check(joined == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::string_view texts[3];
  for (absl::string_view& text : texts) {
    const size_t end = input.find('\0');
    text = input.substr(0, end);
    input = end == absl::string_view::npos ? absl::string_view()
                                           : input.substr(end + 1);
  }
  const absl::string_view base = texts[0];
  const absl::string_view current = texts[1];
  const absl::string_view incoming = texts[2];
  for (absl::string_view text : texts) CheckTokensRebuild(text);

  Check(plan::MergeText(base, current, current) == std::string(current));
  Check(plan::MergeText(base, base, incoming) == std::string(incoming));
  Check(plan::MergeText(base, current, base) == std::string(current));

  const std::optional<std::string> merged =
      plan::MergeText(base, current, incoming);
  Check(plan::MergeText(base, incoming, current) == merged);
  if (merged.has_value()) {
    Check(merged->size() <= current.size() + incoming.size());
    if (IsStructurallyUtf8(base) && IsStructurallyUtf8(current) &&
        IsStructurallyUtf8(incoming)) {
      Check(IsStructurallyUtf8(*merged));
    }
  }
  return 0;
}
