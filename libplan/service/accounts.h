// Local accounts: the people who sign in to a server's web app with a
// password (docs/security.md, "Signing in"). Each belongs to one
// organisation and acts for it. They live in the store's `meta` column
// family, so they are backed up with it and never replicated.
//
// Passwords are kept only as Argon2id hashes (libsodium's crypto_pwhash_str,
// at its INTERACTIVE cost: about 64 MiB and tens of milliseconds a hash).
//
//   Accounts accounts(store);
//   RETURN_IF_ERROR(accounts.Add({.user = "ann.smith@sstaffs.gov.uk",
//                                 .organisation = "organisations/ssdc",
//                                 .password = password}).status());
//   ASSIGN_OR_RETURN(AccountInfo who, accounts.Verify(user, password));
#ifndef LIBPLAN_SERVICE_ACCOUNTS_H_
#define LIBPLAN_SERVICE_ACCOUNTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libplan/storage/store.h"

namespace plan {

// Passwords are at least this many characters (UTF-8 code points) and at
// most kMaxPasswordBytes bytes.
inline constexpr size_t kMinPasswordChars = 12;
inline constexpr size_t kMaxPasswordBytes = 1024;
// User names are 1 to this many characters of a-z 0-9 . _ @ + -, starting
// with a letter or digit (an e-mail address fits).
inline constexpr size_t kMaxAccountUserLength = 64;

struct AccountInfo {
  std::string user;
  std::string organisation;
  absl::Time create_time = absl::InfinitePast();
};

struct NewAccount {
  std::string user;
  std::string organisation;
  std::string password;
  // Replace an account of the same name (a new password or organisation)
  // rather than refuse it.
  bool replace = false;
};

class Accounts {
 public:
  // `store` must outlive this. Makes the decoy hash Verify checks an unknown
  // user's password against (tens of milliseconds, once per process), so
  // that no sign-in takes longer for being the first.
  explicit Accounts(Store* store);

  // Adds `account`, durably. INVALID_ARGUMENT naming the field ("user",
  // "organisation" or "password") when one is malformed; FAILED_PRECONDITION
  // (ORGANISATION_NOT_FOUND) when the organisation is not a live resource;
  // ALREADY_EXISTS unless `replace` when the user has an account.
  absl::StatusOr<AccountInfo> Add(const NewAccount& account) const;
  // Removes `user`'s account. NOT_FOUND when there is none.
  absl::Status Remove(absl::string_view user) const;
  // Every account, by user name.
  absl::StatusOr<std::vector<AccountInfo>> List() const;
  // `user`'s account, or nullopt.
  absl::StatusOr<std::optional<AccountInfo>> Find(absl::string_view user) const;
  // `user`'s account when `password` is its password. UNAUTHENTICATED
  // (BAD_CREDENTIALS) otherwise, the same for an unknown user as for a wrong
  // password, after the same work (a hash is checked either way).
  absl::StatusOr<AccountInfo> Verify(absl::string_view user,
                                     absl::string_view password) const;

 private:
  Store* const store_;
};

// `user` as an account's name: lower-cased, surrounding spaces removed.
std::string CanonicalUser(absl::string_view user);

// Whether `user` (canonical) is a well-formed account name.
bool IsAccountUser(absl::string_view user);

}  // namespace plan

#endif  // LIBPLAN_SERVICE_ACCOUNTS_H_
