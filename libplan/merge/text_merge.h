// Three-way merge of long text (an action's or strand's description, a
// progress update's note) at word granularity.
//
// Two people editing different words of the same description both keep their
// edit; when their edits touch the same words, the merge reports a conflict
// rather than guessing.
//
//   MergeText("Deliver WRAP training to staff",
//             "Deliver WRAP training to all staff",     // the service's edit
//             "Deliver Prevent training to staff")      // the pushed edit
//   // => "Deliver Prevent training to all staff"
//
// The rule, precisely:
//   1. Each text is split into tokens (TokenizeText): maximal runs of word
//      characters and maximal runs of separator characters (whitespace and
//      punctuation). Tokens never split a UTF-8 character.
//   2. `current` and `incoming` are each diffed against `base` (a shortest
//      token edit script, Myers' algorithm; among equally short scripts the
//      one it finds first, which is deterministic). A base token is *stable*
//      when both diffs keep it.
//   3. Stable tokens cut the three texts into chunks: the tokens strictly
//      between two consecutive stable tokens (or the start or end of the
//      text). For each chunk in which anything changed:
//        - only one side changed it (the other side's chunk equals the base
//          chunk): that side's chunk is taken;
//        - both sides changed it to the same tokens: taken once;
//        - otherwise the merge is a conflict.
//      So two edits merge cleanly exactly when at least one base token that
//      both sides kept lies between them: one person editing word 3 and the
//      other word 4 merge, since the space between is kept by both; editing a
//      word and the punctuation right after it conflicts. An insertion lies
//      between two base tokens and touches both: two insertions at the same
//      place conflict unless they insert the same tokens, and an insertion
//      next to a token the other side changed or deleted conflicts.
//   4. Shortcuts, decided before any diff: when `current` equals `incoming`
//      the result is that text; when one side equals `base` the result is the
//      other side. So an unchanged side never causes a conflict.
//   5. Bounded work: when either side differs from `base` by more than
//      kMaxTextMergeEdits inserted plus deleted tokens (after their common
//      prefix and suffix), the merge gives up and reports a conflict rather
//      than spend quadratic time.
// The merge is symmetric: swapping `current` and `incoming` gives the same
// result (or the same conflict). When all three texts are valid UTF-8, so is
// the result.
#ifndef LIBPLAN_MERGE_TEXT_MERGE_H_
#define LIBPLAN_MERGE_TEXT_MERGE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace plan {

// The most token insertions plus deletions a side may differ from the base by
// for MergeText to diff it (a 4,000-character text has at most about 2,000
// word tokens and as many separators).
inline constexpr int kMaxTextMergeEdits = 2000;

// Merges `incoming` (an edit of `base`) into `current` (another edit of
// `base`) under the rule above. Returns the merged text, or std::nullopt when
// the edits overlap (a conflict) or exceed kMaxTextMergeEdits.
std::optional<std::string> MergeText(absl::string_view base,
                                     absl::string_view current,
                                     absl::string_view incoming);

// The tokens of `text`: maximal runs of word characters alternating with
// maximal runs of separator characters; concatenated they give `text` back,
// byte for byte. Word characters are ASCII letters and digits and every
// non-ASCII character except whitespace and punctuation (U+0085, U+00A0,
// U+00A1, U+00A7, U+00AB, U+00B6, U+00B7, U+00BB, U+00BF, U+1680, the General
// Punctuation block U+2000-U+206F except the joiners U+200C and U+200D, CJK
// punctuation U+3000-U+303F, U+FEFF). A byte that does not start a valid
// UTF-8 sequence counts as a word character on its own.
std::vector<absl::string_view> TokenizeText(absl::string_view text);

}  // namespace plan

#endif  // LIBPLAN_MERGE_TEXT_MERGE_H_
