// One home for what a RAG status is called and how it counts: its name in
// the API and CSV, its label for people, its CSS class and symbol in
// exports and dashboards, the words an importer accepts for it, and its
// bucket in a count. Any value other than the four (RAG_UNSPECIFIED, or an
// unknown number) is "not set".
//
//   v1::RagCounts counts;
//   for (const v1::Action& action : actions) CountRag(action.rag(), &counts);
//   std::cout << RagLabel(v1::BLUE);  // "Complete"
#ifndef LIBPLAN_MODEL_RAG_H_
#define LIBPLAN_MODEL_RAG_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "prevent/plan/v1/report_service.pb.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {

namespace v1 = prevent::plan::v1;

// "RED", "AMBER", "GREEN", "BLUE", or "" when not set.
absl::string_view RagName(v1::Rag rag);

// "Red", "Amber", "Green", "Complete" or "Not set".
absl::string_view RagLabel(v1::Rag rag);

// "rag-red", "rag-amber", "rag-green", "rag-blue" or "rag-none".
absl::string_view RagCssClass(v1::Rag rag);

// A coloured circle (U+1F534 and its kin), or a white one when not set.
absl::string_view RagSymbol(v1::Rag rag);

// The status `text` names, in any case: a name ("Amber"), its initial ("A"),
// or COMPLETE / COMPLETED for BLUE; RAG_UNSPECIFIED for "". nullopt for
// anything else.
std::optional<v1::Rag> ParseRag(absl::string_view text);

// Adds one action of status `rag` to `counts`: its bucket and the total.
void CountRag(v1::Rag rag, v1::RagCounts* counts);

// Adds every count of `from` (overdue and total included) to `to`.
void AddRagCounts(const v1::RagCounts& from, v1::RagCounts* to);

}  // namespace plan

#endif  // LIBPLAN_MODEL_RAG_H_
