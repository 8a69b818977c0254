// The pieces of signing people in to the web app (docs/security.md,
// "Signing in"), apart from HTTP: sessions, the throttle on failed
// sign-ins, trusted proxy addresses, and the file that maps a single
// sign-on user to an organisation. Each class is thread-safe.
#ifndef LIBPLAN_HTTP_SIGN_IN_H_
#define LIBPLAN_HTTP_SIGN_IN_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace plan {

// 32 random bytes, hex (64 characters): session ids, CSRF tokens, secrets.
std::string RandomToken();

// Whether `a` and `b` are equal, in time that does not depend on where they
// differ.
bool SecretsEqual(absl::string_view a, absl::string_view b);

// The sessions of people signed in with a local account. Kept in memory: a
// restart signs everyone out.
class SessionTable {
 public:
  struct Options {
    // A session ends after this long without a request...
    absl::Duration idle = absl::Hours(1);
    // ...and this long after sign-in whatever happens.
    absl::Duration lifetime = absl::Hours(12);
    // At most this many live sessions; past it, sign-in is refused.
    size_t max_sessions = 10000;
    // At most this many per user: a new one ends the user's oldest.
    size_t max_per_user = 20;
  };
  struct Session {
    std::string user{};
    // When the user's account was made (AccountInfo::create_time): a
    // session of an account since replaced has ended.
    absl::Time account_time = absl::InfinitePast();
    // What every write of the session must carry (X-CSRF-Token).
    std::string csrf_token{};
    // The earlier of its two ends, as of now.
    absl::Time expires = absl::InfinitePast();
  };

  explicit SessionTable(Options options) : options_(options) {}

  // A new session for `user`: its id (the cookie's value) and the session.
  // RESOURCE_EXHAUSTED when max_sessions are live.
  absl::StatusOr<std::pair<std::string, Session>> Create(
      std::string user, absl::Time account_time, absl::Time now);
  // The live session `id` names, its idle end moved on to now + idle; or
  // nullopt (unknown or ended).
  std::optional<Session> Find(absl::string_view id, absl::Time now);
  // Ends session `id` (nothing when unknown).
  void End(absl::string_view id);
  // Ends every session of `user`.
  void EndAllOf(absl::string_view user);

 private:
  struct Entry {
    Session session;
    absl::Time idle_end;
    absl::Time hard_end;
  };
  void DropEndedLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> sessions_ ABSL_GUARDED_BY(mu_);
};

// Counts failed sign-ins by key (a user name, a client address): after
// max_failures within `window`, the key waits until the oldest of them is a
// window old. An attempt counts as a failure from when it starts, so that
// attempts running at once cannot pass the limit together.
class SignInThrottle {
 public:
  struct Options {
    int max_failures = 5;
    absl::Duration window = absl::Minutes(15);
    // Keys remembered at most; past it the ones idle longest are forgotten.
    size_t max_keys = 100000;
  };
  explicit SignInThrottle(Options options) : options_(options) {}

  // Starts a sign-in attempt for `key`. Zero when it may go ahead: it then
  // counts as a failure until Forgive. Otherwise how long until one may.
  absl::Duration Attempt(const std::string& key, absl::Time now);
  // The attempt did not fail: it no longer counts.
  void Forgive(const std::string& key);
  // Forgets every failure of `key` (a user who signed in).
  void Clear(const std::string& key);

 private:
  // Makes room for a new key when max_keys are held: drops keys with no
  // failure in the window, then half of the rest that are not held back,
  // those whose last failure is oldest. False when every key is held back.
  bool MakeRoomLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropOldLocked(std::deque<absl::Time>& times, absl::Time now) const;

  const Options options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::deque<absl::Time>> failures_
      ABSL_GUARDED_BY(mu_);
};

// A set of IPv4 and IPv6 address ranges ("127.0.0.1", "10.0.0.0/8",
// "::1", "fd00::/8").
class AddressRanges {
 public:
  // INVALID_ARGUMENT naming the bad entry.
  static absl::StatusOr<AddressRanges> Parse(
      const std::vector<std::string>& ranges);
  // Whether `address` (as a socket reports it; an IPv4-mapped IPv6 address
  // counts as IPv4, and a %zone suffix is ignored) is in one of the ranges.
  bool Contains(absl::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    std::vector<uint8_t> bytes;  // 4 or 16
    int prefix_bits = 0;
  };
  std::vector<Range> ranges_;
};

// The users a single sign-on proxy may name, each with the organisation it
// acts for, from a file of lines "USER organisations/ORG" ('#' starts a
// comment). User names compare case-insensitively. INVALID_ARGUMENT naming
// the line and column of the first bad one.
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> ParseProxyUsers(
    absl::string_view text);

}  // namespace plan

#endif  // LIBPLAN_HTTP_SIGN_IN_H_
