// UTF-8 decoding shared by validation, the import parsers and text merge.
#ifndef LIBPLAN_UTIL_UTF8_H_
#define LIBPLAN_UTIL_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace plan {

// The length in bytes (1-4) of the UTF-8 character that starts at text[i], and
// its code point in `*code_point` when not null; 0 when the bytes there are
// not valid UTF-8: a stray continuation byte, a truncated sequence, an
// overlong form, a surrogate, or a value above U+10FFFF. `i` < text.size().
size_t Utf8CharLength(absl::string_view text, size_t i,
                      char32_t* code_point = nullptr);

// Whether `c` is a continuation byte (10xxxxxx): one that never starts a
// UTF-8 character.
constexpr bool IsUtf8ContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Whether `text` is valid UTF-8 (Utf8CharLength finds no bad character).
bool IsUtf8(absl::string_view text);

// The number of characters in `text`: its bytes that are not continuation
// bytes. For valid UTF-8 that is its number of code points.
size_t Utf8CharCount(absl::string_view text);

// The longest prefix of `text` with at most `max_chars` characters (as
// Utf8CharCount counts them). It never ends inside a character of valid
// UTF-8: the continuation bytes of its last character are kept with it.
absl::string_view Utf8Prefix(absl::string_view text, size_t max_chars);

}  // namespace plan

#endif  // LIBPLAN_UTIL_UTF8_H_
