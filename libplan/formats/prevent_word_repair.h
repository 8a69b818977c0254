// Rejoining the words a PDF extractor cut when it split a row spanning the
// plan table into cells ("people f<TAB>rom" is "people from",
// "terrorisr<TAB>n" is "terrorism"), for the prevent-text importer
// (prevent_text.h). A cut is told from two words by the document's own words.
#ifndef LIBPLAN_FORMATS_PREVENT_WORD_REPAIR_H_
#define LIBPLAN_FORMATS_PREVENT_WORD_REPAIR_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace plan::prevent_text {

// How often each word (a run of ASCII letters, lower case) is in a text.
using WordCounts = absl::flat_hash_map<std::string, int>;

// The words of a document, and some common ones, to tell a word.
class Vocabulary {
 public:
  explicit Vocabulary(const std::vector<std::string>& lines);

  // The runs of ASCII letters of `text`, lower case, in order.
  static std::vector<std::string> WordsOf(absl::string_view text);
  // How often each of them is in `text`.
  static WordCounts Count(absl::string_view text);

  // Whether `word` (lower case) is a common English word, or one the
  // document has outside the row whose words are counted in `row`.
  bool Knows(const std::string& word, const WordCounts& row) const;

 private:
  WordCounts counts_;
};

// `text` followed by each non-empty cell of `cells`, in order, as the words
// of one row `row` (the row's whole line) of a document. A cell is joined to
// what comes before with a space, except where the join cuts a word: the
// letters either side of it make a word the vocabulary knows and they do not
// both, or one side is a single letter other than "a" and "i" (joined with
// nothing), or an "r" then an "n" make a known word as "m" (joined as "m").
// Each such repair is added to `*repairs` as "\"x|y\" as \"xy\"".
// `vocabulary` is called for the document's words only when a join needs
// them.
std::string RejoinCells(std::string text, absl::Span<const std::string> cells,
                        absl::string_view row,
                        absl::FunctionRef<const Vocabulary&()> vocabulary,
                        std::vector<std::string>* repairs);

}  // namespace plan::prevent_text

#endif  // LIBPLAN_FORMATS_PREVENT_WORD_REPAIR_H_
