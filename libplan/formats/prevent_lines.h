// The first step of the prevent-text importer (prevent_text.h): its input
// checked and split into lines.
#ifndef LIBPLAN_FORMATS_PREVENT_LINES_H_
#define LIBPLAN_FORMATS_PREVENT_LINES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libplan/formats/import_support.h"

namespace plan::prevent_text {

// INVALID_ARGUMENT (reason INVALID_ARGUMENT) "line L, column C: why".
absl::Status InputError(int line, int column, absl::string_view why);

// The lines of `content`, in order; the last is empty when `content` ends
// with a line break.
//
// Lines end with LF or CRLF, and hold neither. A UTF-8 byte order mark is
// skipped. A CR alone, FF, VT and U+00A0 (no-break space) are read as spaces;
// so are other control characters, with one warning saying how many there
// are and where the first is.
//
// Refuses, with InputError at the character at fault (columns count
// characters from 1): empty input; input over kMaxPreventTextBytes (at the
// character where the limit falls); UTF-16 (a UTF-16 byte order mark); a line
// over kMaxPreventTextLineBytes; a NUL byte; invalid UTF-8; control
// characters that are more than a tenth of all characters (at the first).
absl::StatusOr<std::vector<std::string>> SplitLines(absl::string_view content,
                                                    WarningSink* warnings);

}  // namespace plan::prevent_text

#endif  // LIBPLAN_FORMATS_PREVENT_LINES_H_
