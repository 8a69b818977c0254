#include "libplan/merge/set_merge.h"

#include <string_view>
#include <unordered_set>

namespace plan {

std::vector<std::string> MergeSets(const std::vector<std::string>& base,
                                   const std::vector<std::string>& current,
                                   const std::vector<std::string>& incoming) {
  const std::unordered_set<std::string_view> in_base(base.begin(), base.end());
  const std::unordered_set<std::string_view> in_incoming(incoming.begin(),
                                                         incoming.end());
  std::vector<std::string> merged;
  std::unordered_set<std::string_view> in_merged;
  for (const std::string& element : current) {
    const bool removed_by_incoming =
        in_base.count(element) > 0 && in_incoming.count(element) == 0;
    if (!removed_by_incoming && in_merged.insert(element).second) {
      merged.push_back(element);
    }
  }
  for (const std::string& element : incoming) {
    if (in_base.count(element) == 0 && in_merged.insert(element).second) {
      merged.push_back(element);
    }
  }
  return merged;
}

}  // namespace plan
