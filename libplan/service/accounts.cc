#include "libplan/service/accounts.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "absl/base/call_once.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libplan/model/names.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/utf8.h"

namespace plan {
namespace {

constexpr char kAccountPrefix[] = "account/";

std::string AccountKey(absl::string_view user) {
  return absl::StrCat(kAccountPrefix, user);
}

void InitSodium() {
  static absl::once_flag once;
  absl::call_once(once, [] {
    if (sodium_init() < 0) {
      PLAN_LOG(ERROR) << "libsodium cannot start";
      std::abort();
    }
  });
}

// The Argon2id hash of `password`, salted afresh.
absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  InitSodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(absl::StatusCode::kResourceExhausted, "OUT_OF_MEMORY",
                 "no memory to hash the password");
  }
  return std::string(hash);
}

bool PasswordMatches(const std::string& hash, absl::string_view password) {
  InitSodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

// A hash no password is checked against but to spend the same time on an
// unknown user as on a known one.
const std::string& DecoyHash() {
  static const std::string* const hash = [] {
    unsigned char bytes[32];
    InitSodium();
    randombytes_buf(bytes, sizeof(bytes));
    absl::StatusOr<std::string> made = HashPassword(
        absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
    return new std::string(made.ok() ? *made : "");
  }();
  return *hash;
}

bool IsUserChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' ||
         c == '_' || c == '@' || c == '+' || c == '-';
}

void CheckUser(absl::string_view user, FieldViolations& violations) {
  if (!IsAccountUser(user)) {
    violations.Add("user", absl::StrCat("must be 1 to ", kMaxAccountUserLength,
                                        " characters of a-z 0-9 . _ @ + -, "
                                        "starting with a letter or digit"));
  }
}

void CheckPassword(absl::string_view password, FieldViolations& violations) {
  if (!IsUtf8(password)) {
    violations.Add("password", "must be UTF-8 text");
  } else if (Utf8CharCount(password) < kMinPasswordChars) {
    violations.Add("password", absl::StrCat("must be at least ",
                                            kMinPasswordChars, " characters"));
  } else if (password.size() > kMaxPasswordBytes) {
    violations.Add("password", absl::StrCat("must be at most ",
                                            kMaxPasswordBytes, " bytes"));
  }
}

absl::StatusOr<AccountInfo> InfoOf(absl::string_view user,
                                   absl::string_view value,
                                   storage::Account* account) {
  if (!account->ParseFromString(std::string(value))) {
    return Error(absl::StatusCode::kDataLoss, "STORAGE_CORRUPT",
                 absl::StrCat("the account of ", user, " cannot be read"));
  }
  return AccountInfo{
      .user = std::string(user),
      .organisation = account->organisation(),
      .create_time = absl::FromUnixMicros(account->create_time_micros())};
}

}  // namespace

Accounts::Accounts(Store* store) : store_(store) { DecoyHash(); }

bool IsAccountUser(absl::string_view user) {
  return !user.empty() && user.size() <= kMaxAccountUserLength &&
         absl::ascii_isalnum(user.front()) &&
         std::all_of(user.begin(), user.end(), IsUserChar);
}

std::string CanonicalUser(absl::string_view user) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(user));
}

absl::StatusOr<AccountInfo> Accounts::Add(const NewAccount& account) const {
  const std::string user = CanonicalUser(account.user);
  FieldViolations violations;
  CheckUser(user, violations);
  if (!ResourceName::ParseAs(Kind::kOrganisation, account.organisation).ok()) {
    violations.Add("organisation", "must be organisations/{org}");
  }
  CheckPassword(account.password, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(const std::string hash, HashPassword(account.password));
  storage::Account record;
  record.set_organisation(account.organisation);
  record.set_password_hash(hash);
  const absl::Time now = absl::Now();
  record.set_create_time_micros(absl::ToUnixMicros(now));
  const ResourceName organisation =
      *ResourceName::ParseAs(Kind::kOrganisation, account.organisation);
  RETURN_IF_ERROR(store_->Commit([&](Transaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(const std::optional<storage::Entity> entity,
                     txn.GetEntity(organisation));
    if (!entity.has_value() || entity->deleted()) {
      return Error(absl::StatusCode::kFailedPrecondition,
                   "ORGANISATION_NOT_FOUND",
                   absl::StrCat(account.organisation,
                                " is not an organisation of this server"),
                   account.organisation);
    }
    ASSIGN_OR_RETURN(const std::optional<std::string> existing,
                     txn.Get(Cf::kMeta, AccountKey(user)));
    if (existing.has_value() && !account.replace) {
      return Error(absl::StatusCode::kAlreadyExists, "ACCOUNT_EXISTS",
                   absl::StrCat(user, " already has an account"));
    }
    txn.Put(Cf::kMeta, AccountKey(user), record.SerializeAsString());
    return absl::OkStatus();
  }));
  return AccountInfo{
      .user = user,
      .organisation = account.organisation,
      .create_time = absl::FromUnixMicros(record.create_time_micros())};
}

absl::Status Accounts::Remove(absl::string_view user) const {
  const std::string key = AccountKey(CanonicalUser(user));
  return store_->Commit([&](Transaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(const std::optional<std::string> existing,
                     txn.Get(Cf::kMeta, key));
    if (!existing.has_value()) {
      return Error(absl::StatusCode::kNotFound, "ACCOUNT_NOT_FOUND",
                   absl::StrCat(CanonicalUser(user), " has no account"));
    }
    txn.Delete(Cf::kMeta, key);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AccountInfo>> Accounts::List() const {
  std::vector<AccountInfo> accounts;
  absl::Status failed;
  const std::unique_ptr<ReadView> view = store_->NewReadView();
  RETURN_IF_ERROR(view->Scan(
      Cf::kMeta, kAccountPrefix, "",
      [&](absl::string_view key, absl::string_view value) {
        storage::Account record;
        absl::StatusOr<AccountInfo> info =
            InfoOf(key.substr(sizeof(kAccountPrefix) - 1), value, &record);
        if (!info.ok()) {
          failed = info.status();
          return false;
        }
        accounts.push_back(*std::move(info));
        return true;
      }));
  RETURN_IF_ERROR(failed);
  return accounts;
}

absl::StatusOr<std::optional<AccountInfo>> Accounts::Find(
    absl::string_view user) const {
  const std::string name = CanonicalUser(user);
  ASSIGN_OR_RETURN(const std::optional<std::string> value,
                   store_->NewReadView()->Get(Cf::kMeta, AccountKey(name)));
  if (!value.has_value()) return std::nullopt;
  storage::Account record;
  return InfoOf(name, *value, &record);
}

absl::StatusOr<AccountInfo> Accounts::Verify(absl::string_view user,
                                             absl::string_view password) const {
  const std::string name = CanonicalUser(user);
  std::optional<std::string> value;
  if (IsAccountUser(name)) {
    ASSIGN_OR_RETURN(value,
                     store_->NewReadView()->Get(Cf::kMeta, AccountKey(name)));
  }
  storage::Account record;
  std::optional<AccountInfo> info;
  if (value.has_value()) {
    ASSIGN_OR_RETURN(info, InfoOf(name, *value, &record));
  }
  const bool matches =
      password.size() <= kMaxPasswordBytes &&
      PasswordMatches(info.has_value() ? record.password_hash() : DecoyHash(),
                      password);
  if (!info.has_value() || !matches) {
    return Error(absl::StatusCode::kUnauthenticated, "BAD_CREDENTIALS",
                 "the user name or password is wrong");
  }
  return *std::move(info);
}

}  // namespace plan
