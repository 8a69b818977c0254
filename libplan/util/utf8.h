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

}  // namespace plan

#endif  // LIBPLAN_UTIL_UTF8_H_
