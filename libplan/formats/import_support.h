// What both importers (prevent_text.h and csv.h) need alike: quoting what
// they read in a message, collapsing spaces, position keys, ids unique in a
// collection, and a bounded list of warnings.
#ifndef LIBPLAN_FORMATS_IMPORT_SUPPORT_H_
#define LIBPLAN_FORMATS_IMPORT_SUPPORT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "libplan/formats/plan_document.h"

namespace plan {

// `text` in double quotes, for a message: cut to 60 characters (never inside
// one) and marked with "…" when longer.
std::string QuoteForMessage(absl::string_view text);

// `text` trimmed, with each run of ASCII whitespace one space.
std::string CollapseSpaces(absl::string_view text);

// The position key of the `index`th (from 0) of `count` siblings: decimal,
// zero-padded to at least 4 digits and to the width of `count`, so that keys
// sort as the siblings do ("0001", "0002", ...).
std::string PositionKey(size_t index, size_t count);

// Ids made unique within one collection: `base` itself, else "base-2",
// "base-3", ... shortened to stay a valid id (at most 63 characters, not
// ending in '-').
class UniqueIds {
 public:
  // Takes `id` as used, so no other is given it.
  void Reserve(const std::string& id) { used_.insert(id); }
  // `base`, or the first free id made from it; then used.
  std::string Unique(const std::string& base);

 private:
  absl::flat_hash_set<std::string> used_;
  absl::flat_hash_map<std::string, int> next_;
};

// The warnings of one import, in order: the first kMaxListed are listed,
// the rest only counted, and Finish says how many were left out, so that an
// answer stays small whatever the input.
class WarningSink {
 public:
  static constexpr size_t kMaxListed = 1000;

  // `out` must outlive this object.
  explicit WarningSink(std::vector<FormatWarning>* out) : out_(out) {}

  void Warn(int line, std::string message);
  // Adds, at `last_line`, how many warnings were not listed, if any.
  void Finish(int last_line);

 private:
  std::vector<FormatWarning>* const out_;
  size_t dropped_ = 0;
};

}  // namespace plan

#endif  // LIBPLAN_FORMATS_IMPORT_SUPPORT_H_
