#include "libplan/model/rag.h"

#include "absl/strings/ascii.h"

namespace plan {
namespace {

struct RagInfo {
  v1::Rag rag;
  absl::string_view name;
  absl::string_view label;
  absl::string_view css_class;
  absl::string_view symbol;
  // Other words an importer accepts for it.
  absl::string_view initial;
  absl::string_view other_names[2];
};

// The last entry is "not set".
constexpr RagInfo kRags[] = {
    {v1::RED, "RED", "Red", "rag-red", "\U0001F534", "R", {}},
    {v1::AMBER, "AMBER", "Amber", "rag-amber", "\U0001F7E0", "A", {}},
    {v1::GREEN, "GREEN", "Green", "rag-green", "\U0001F7E2", "G", {}},
    {v1::BLUE,
     "BLUE",
     "Complete",
     "rag-blue",
     "\U0001F535",
     "B",
     {"COMPLETE", "COMPLETED"}},
    {v1::RAG_UNSPECIFIED, "", "Not set", "rag-none", "\u26AA", "", {}},
};

const RagInfo& Info(v1::Rag rag) {
  for (const RagInfo& info : kRags) {
    if (info.rag == rag) return info;
  }
  return kRags[sizeof(kRags) / sizeof(kRags[0]) - 1];
}

}  // namespace

absl::string_view RagName(v1::Rag rag) { return Info(rag).name; }
absl::string_view RagLabel(v1::Rag rag) { return Info(rag).label; }
absl::string_view RagCssClass(v1::Rag rag) { return Info(rag).css_class; }
absl::string_view RagSymbol(v1::Rag rag) { return Info(rag).symbol; }

std::optional<v1::Rag> ParseRag(absl::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(text);
  for (const RagInfo& info : kRags) {
    if (upper == info.name || upper == info.initial) return info.rag;
    for (absl::string_view other : info.other_names) {
      if (!other.empty() && upper == other) return info.rag;
    }
  }
  return std::nullopt;
}

void CountRag(v1::Rag rag, v1::RagCounts* counts) {
  switch (rag) {
    case v1::RED:
      counts->set_red(counts->red() + 1);
      break;
    case v1::AMBER:
      counts->set_amber(counts->amber() + 1);
      break;
    case v1::GREEN:
      counts->set_green(counts->green() + 1);
      break;
    case v1::BLUE:
      counts->set_blue(counts->blue() + 1);
      break;
    default:
      counts->set_unset(counts->unset() + 1);
      break;
  }
  counts->set_total(counts->total() + 1);
}

void AddRagCounts(const v1::RagCounts& from, v1::RagCounts* to) {
  to->set_red(to->red() + from.red());
  to->set_amber(to->amber() + from.amber());
  to->set_green(to->green() + from.green());
  to->set_blue(to->blue() + from.blue());
  to->set_unset(to->unset() + from.unset());
  to->set_overdue(to->overdue() + from.overdue());
  to->set_total(to->total() + from.total());
}

}  // namespace plan
