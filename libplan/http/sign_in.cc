#include "libplan/http/sign_in.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libplan/model/names.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/sha256.h"

namespace plan {
namespace {

// The 4 or 16 bytes of a textual IPv4 or IPv6 address; an IPv4-mapped IPv6
// address gives its 4. Empty when `text` is neither.
std::vector<uint8_t> AddressBytes(std::string text) {
  if (const size_t zone = text.find('%'); zone != std::string::npos) {
    text.resize(zone);  // fe80::1%eth0
  }
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(&v4);
    return {bytes, bytes + 4};
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    const uint8_t* bytes = v6.s6_addr;
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(bytes, bytes + 12, kMapped)) return {bytes + 12, bytes + 16};
    return {bytes, bytes + 16};
  }
  return {};
}

}  // namespace

std::string RandomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    PLAN_LOG(ERROR) << "no random bytes for a token";
    std::abort();
  }
  return HexDigest(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

bool SecretsEqual(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<std::pair<std::string, SessionTable::Session>>
SessionTable::Create(std::string user, absl::Time account_time,
                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (sessions_.size() >= options_.max_sessions) DropEndedLocked(now);
  if (sessions_.size() >= options_.max_sessions) {
    return Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_SESSIONS",
                 "too many people are signed in; try again later");
  }
  // A user's sessions past max_per_user end, oldest first.
  std::vector<std::pair<absl::Time, std::string>> own;
  for (const auto& [id, entry] : sessions_) {
    if (entry.session.user == user) own.emplace_back(entry.hard_end, id);
  }
  std::sort(own.begin(), own.end());
  for (size_t i = 0; i + options_.max_per_user <= own.size(); ++i) {
    sessions_.erase(own[i].second);
  }
  Entry entry{.session = {.user = std::move(user),
                          .account_time = account_time,
                          .csrf_token = RandomToken()},
              .idle_end = now + options_.idle,
              .hard_end = now + options_.lifetime};
  entry.session.expires = std::min(entry.idle_end, entry.hard_end);
  std::string id = RandomToken();
  Session session = entry.session;
  sessions_.emplace(id, std::move(entry));
  return std::make_pair(std::move(id), std::move(session));
}

std::optional<SessionTable::Session> SessionTable::Find(absl::string_view id,
                                                        absl::Time now) {
  absl::MutexLock lock(&mu_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  Entry& entry = it->second;
  if (now >= entry.idle_end || now >= entry.hard_end) {
    sessions_.erase(it);
    return std::nullopt;
  }
  entry.idle_end = now + options_.idle;
  entry.session.expires = std::min(entry.idle_end, entry.hard_end);
  return entry.session;
}

void SessionTable::End(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(id);
}

void SessionTable::EndAllOf(absl::string_view user) {
  absl::MutexLock lock(&mu_);
  absl::erase_if(sessions_, [user](const auto& entry) {
    return entry.second.session.user == user;
  });
}

void SessionTable::DropEndedLocked(absl::Time now) {
  absl::erase_if(sessions_, [now](const auto& entry) {
    return now >= entry.second.idle_end || now >= entry.second.hard_end;
  });
}

void SignInThrottle::DropOldLocked(std::deque<absl::Time>& times,
                                   absl::Time now) const {
  while (!times.empty() && times.front() + options_.window <= now) {
    times.pop_front();
  }
}

absl::Duration SignInThrottle::Attempt(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) {
    if (failures_.size() >= options_.max_keys && !MakeRoomLocked(now)) {
      return options_.window;
    }
    it = failures_.emplace(key, std::deque<absl::Time>()).first;
  }
  std::deque<absl::Time>& times = it->second;
  DropOldLocked(times, now);
  if (static_cast<int>(times.size()) >= options_.max_failures) {
    return times.front() + options_.window - now;
  }
  times.push_back(now);
  return absl::ZeroDuration();
}

void SignInThrottle::Forgive(const std::string& key) {
  absl::MutexLock lock(&mu_);
  const auto it = failures_.find(key);
  if (it == failures_.end()) return;
  if (!it->second.empty()) it->second.pop_back();
  if (it->second.empty()) failures_.erase(it);
}

void SignInThrottle::Clear(const std::string& key) {
  absl::MutexLock lock(&mu_);
  failures_.erase(key);
}

bool SignInThrottle::MakeRoomLocked(absl::Time now) {
  for (auto& [key, times] : failures_) DropOldLocked(times, now);
  absl::erase_if(failures_,
                 [](const auto& entry) { return entry.second.empty(); });
  if (failures_.size() < options_.max_keys) return true;
  // Keys held back stay: forgetting them would let guessing start again.
  const auto held = [this](const std::deque<absl::Time>& times) {
    return static_cast<int>(times.size()) >= options_.max_failures;
  };
  std::vector<absl::Time> last;
  for (const auto& [key, times] : failures_) {
    if (!held(times)) last.push_back(times.back());
  }
  if (last.empty()) return false;
  std::nth_element(last.begin(), last.begin() + last.size() / 2, last.end());
  const absl::Time cut = last[last.size() / 2];
  absl::erase_if(failures_, [&](const auto& entry) {
    return !held(entry.second) && entry.second.back() <= cut;
  });
  return true;
}

absl::StatusOr<AddressRanges> AddressRanges::Parse(
    const std::vector<std::string>& ranges) {
  AddressRanges parsed;
  for (const std::string& text : ranges) {
    const std::string entry(absl::StripAsciiWhitespace(text));
    if (entry.empty()) continue;
    const std::vector<std::string> parts = absl::StrSplit(entry, '/');
    Range range{.bytes = AddressBytes(parts[0])};
    // An IPv4-mapped IPv6 range (::ffff:10.0.0.0/104) is matched as IPv4.
    const int skipped =
        range.bytes.size() == 4 && absl::StrContains(parts[0], ':') ? 96 : 0;
    const int bits = static_cast<int>(range.bytes.size()) * 8;
    range.prefix_bits = bits;
    if (range.bytes.empty() || parts.size() > 2 ||
        (parts.size() == 2 &&
         (!absl::SimpleAtoi(parts[1], &range.prefix_bits) ||
          (range.prefix_bits -= skipped) < 0 || range.prefix_bits > bits))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", entry,
          "\" is not an IP address or range (e.g. 127.0.0.1, 10.0.0.0/8, "
          "::1, fd00::/8)"));
    }
    parsed.ranges_.push_back(std::move(range));
  }
  return parsed;
}

bool AddressRanges::Contains(absl::string_view address) const {
  const std::vector<uint8_t> bytes = AddressBytes(std::string(address));
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const Range& range) {
    if (range.bytes.size() != bytes.size()) return false;
    const int whole = range.prefix_bits / 8;
    if (!std::equal(bytes.begin(), bytes.begin() + whole,
                    range.bytes.begin())) {
      return false;
    }
    const int rest = range.prefix_bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (bytes[whole] & mask) == (range.bytes[whole] & mask);
  });
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> ParseProxyUsers(
    absl::string_view text) {
  absl::flat_hash_map<std::string, std::string> users;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const absl::string_view content = line.substr(0, line.find('#'));
    const std::vector<absl::string_view> words =
        absl::StrSplit(content, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    const auto column = [&](absl::string_view word) {
      return word.data() - line.data() + 1;
    };
    const auto error = [&](absl::string_view word, absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ", column ", column(word), ": ", what));
    };
    if (words.size() != 2) {
      return error(words.size() < 2 ? words[0] : words[2],
                   "expected USER organisations/ORG");
    }
    const std::string user = absl::AsciiStrToLower(words[0]);
    if (user.size() > 200 || !std::all_of(user.begin(), user.end(), [](char c) {
          return c > 0x20 && c <= 0x7e;
        })) {
      return error(words[0],
                   "a user is at most 200 characters of printable ASCII");
    }
    if (!ResourceName::ParseAs(Kind::kOrganisation, words[1]).ok()) {
      return error(words[1], absl::StrCat("\"", words[1],
                                          "\" is not organisations/{org}"));
    }
    if (!users.emplace(user, std::string(words[1])).second) {
      return error(words[0], absl::StrCat(user, " is listed twice"));
    }
  }
  return users;
}

}  // namespace plan
