#include "libplan/merge/text_merge.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "libplan/util/utf8.h"

namespace plan {
namespace {

// One unit of UTF-8 text: a whole character, or a single byte that does not
// start a valid sequence (`valid` false).
struct Unit {
  char32_t code_point = 0;
  size_t length = 1;
  bool valid = false;
};

Unit DecodeAt(absl::string_view text, size_t at) {
  Unit unit;
  const size_t length = Utf8CharLength(text, at, &unit.code_point);
  if (length == 0) return unit;
  unit.length = length;
  unit.valid = true;
  return unit;
}

// Non-ASCII whitespace and punctuation outside the blocks tested below: next
// line, no-break space, inverted exclamation mark, section sign, guillemets,
// pilcrow, middle dot, inverted question mark, ogham space, byte order mark.
constexpr char32_t kOtherSeparators[] = {0x85, 0xA0, 0xA1, 0xA7,   0xAB,  0xB6,
                                         0xB7, 0xBB, 0xBF, 0x1680, 0xFEFF};

bool IsWordCharacter(const Unit& unit) {
  if (!unit.valid) return true;
  const char32_t c = unit.code_point;
  if (c < 0x80) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
  }
  // Joiners belong to the character sequence they join.
  if (c == 0x200C || c == 0x200D) return true;
  if (c >= 0x2000 && c <= 0x206F) return false;  // General Punctuation.
  if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation.
  return std::find(std::begin(kOtherSeparators), std::end(kOtherSeparators),
                   c) == std::end(kOtherSeparators);
}

// For each element of `a`, the index of the element of `b` it is matched to
// by a shortest edit script from `a` to `b`, or -1 when it is deleted; nullopt
// when the script needs more than kMaxTextMergeEdits edits. Myers' O((N+M)D)
// greedy algorithm on what remains after the common prefix and suffix.
std::optional<std::vector<int>> MatchTokens(const std::vector<int>& a,
                                            const std::vector<int>& b) {
  const int a_size = static_cast<int>(a.size());
  const int b_size = static_cast<int>(b.size());
  std::vector<int> match(a.size(), -1);
  int prefix = 0;
  while (prefix < a_size && prefix < b_size && a[prefix] == b[prefix]) {
    match[prefix] = prefix;
    ++prefix;
  }
  int suffix = 0;
  while (suffix < a_size - prefix && suffix < b_size - prefix &&
         a[a_size - 1 - suffix] == b[b_size - 1 - suffix]) {
    match[a_size - 1 - suffix] = b_size - 1 - suffix;
    ++suffix;
  }
  const int n = a_size - prefix - suffix;
  const int m = b_size - prefix - suffix;
  if (n == 0 || m == 0) {
    if (n + m > kMaxTextMergeEdits) return std::nullopt;
    return match;
  }
  const int* const x_tokens = a.data() + prefix;
  const int* const y_tokens = b.data() + prefix;
  const int limit = std::min(n + m, kMaxTextMergeEdits);

  // v[offset + k]: the furthest x reached on diagonal k (= x - y). After step
  // d, trace[d * d + d + k] holds v[offset + k] for k in [-d, d].
  const int offset = limit + 1;
  std::vector<int> v(2 * offset + 1, 0);
  std::vector<int> trace;
  int edits = -1;
  for (int d = 0; d <= limit && edits < 0; ++d) {
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                  ? v[offset + k + 1]
                  : v[offset + k - 1] + 1;
      int y = x - k;
      while (x < n && y < m && x_tokens[x] == y_tokens[y]) {
        ++x;
        ++y;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        edits = d;
        break;
      }
    }
    if (edits < 0) {
      trace.insert(trace.end(), v.begin() + offset - d,
                   v.begin() + offset + d + 1);
    }
  }
  if (edits < 0) return std::nullopt;

  int x = n;
  int y = m;
  for (int d = edits; d > 0; --d) {
    const int* const previous = trace.data() + (d - 1) * (d - 1) + (d - 1);
    const int k = x - y;
    const bool down = k == -d || (k != d && previous[k - 1] < previous[k + 1]);
    const int previous_k = down ? k + 1 : k - 1;
    const int previous_x = previous[previous_k];
    const int previous_y = previous_x - previous_k;
    const int snake_x = down ? previous_x : previous_x + 1;
    while (x > snake_x) {
      --x;
      --y;
      match[prefix + x] = prefix + y;
    }
    x = previous_x;
    y = previous_y;
  }
  while (x > 0 && y > 0) {
    --x;
    --y;
    match[prefix + x] = prefix + y;
  }
  return match;
}

bool SameTokens(const std::vector<int>& a, int a_begin, int a_end,
                const std::vector<int>& b, int b_begin, int b_end) {
  return a_end - a_begin == b_end - b_begin &&
         std::equal(a.begin() + a_begin, a.begin() + a_end,
                    b.begin() + b_begin);
}

// Numbers tokens so that equal tokens get equal ids.
class TokenIds {
 public:
  std::vector<int> Of(const std::vector<absl::string_view>& tokens) {
    std::vector<int> ids;
    ids.reserve(tokens.size());
    for (absl::string_view token : tokens) {
      ids.push_back(ids_.emplace(std::string_view(token.data(), token.size()),
                                 static_cast<int>(ids_.size()))
                        .first->second);
    }
    return ids;
  }

 private:
  // Keys view the texts being merged. (Debian's absl::string_view is its own
  // type, with no std::hash.)
  std::unordered_map<std::string_view, int> ids_;
};

}  // namespace

std::vector<absl::string_view> TokenizeText(absl::string_view text) {
  std::vector<absl::string_view> tokens;
  size_t start = 0;
  bool start_is_word = false;
  for (size_t at = 0; at < text.size();) {
    const Unit unit = DecodeAt(text, at);
    const bool is_word = IsWordCharacter(unit);
    if (at == 0) {
      start_is_word = is_word;
    } else if (is_word != start_is_word) {
      tokens.push_back(text.substr(start, at - start));
      start = at;
      start_is_word = is_word;
    }
    at += unit.length;
  }
  if (start < text.size()) tokens.push_back(text.substr(start));
  return tokens;
}

std::optional<std::string> MergeText(absl::string_view base,
                                     absl::string_view current,
                                     absl::string_view incoming) {
  if (current == incoming) return std::string(current);
  if (current == base) return std::string(incoming);
  if (incoming == base) return std::string(current);

  const std::vector<absl::string_view> base_tokens = TokenizeText(base);
  const std::vector<absl::string_view> current_tokens = TokenizeText(current);
  const std::vector<absl::string_view> incoming_tokens = TokenizeText(incoming);
  TokenIds token_ids;
  const std::vector<int> base_ids = token_ids.Of(base_tokens);
  const std::vector<int> current_ids = token_ids.Of(current_tokens);
  const std::vector<int> incoming_ids = token_ids.Of(incoming_tokens);

  const std::optional<std::vector<int>> current_match =
      MatchTokens(base_ids, current_ids);
  if (!current_match.has_value()) return std::nullopt;
  const std::optional<std::vector<int>> incoming_match =
      MatchTokens(base_ids, incoming_ids);
  if (!incoming_match.has_value()) return std::nullopt;

  std::string merged;
  merged.reserve(std::max(current.size(), incoming.size()));
  const auto append = [&merged](const std::vector<absl::string_view>& tokens,
                                int begin, int end) {
    for (int i = begin; i < end; ++i) {
      merged.append(tokens[i].data(), tokens[i].size());
    }
  };
  // The previous stable token's index in each text (-1: the start).
  int base_from = -1;
  int current_from = -1;
  int incoming_from = -1;
  const int base_size = static_cast<int>(base_ids.size());
  for (int b = 0; b <= base_size; ++b) {
    int c = static_cast<int>(current_ids.size());
    int i = static_cast<int>(incoming_ids.size());
    if (b < base_size) {
      c = (*current_match)[b];
      i = (*incoming_match)[b];
      if (c < 0 || i < 0) continue;
    }
    // The chunk strictly between the previous stable token and this one.
    const bool current_kept = SameTokens(base_ids, base_from + 1, b,
                                         current_ids, current_from + 1, c);
    const bool incoming_kept = SameTokens(base_ids, base_from + 1, b,
                                          incoming_ids, incoming_from + 1, i);
    if (current_kept) {
      append(incoming_tokens, incoming_from + 1, i);
    } else if (incoming_kept ||
               SameTokens(current_ids, current_from + 1, c, incoming_ids,
                          incoming_from + 1, i)) {
      append(current_tokens, current_from + 1, c);
    } else {
      return std::nullopt;
    }
    if (b < base_size) append(base_tokens, b, b + 1);
    base_from = b;
    current_from = c;
    incoming_from = i;
  }
  return merged;
}

}  // namespace plan
