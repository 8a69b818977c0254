// SHA-256 (OpenSSL's libcrypto, which gRPC links already).
//
//   const std::string digest = Sha256("bytes");  // 32 raw bytes
#ifndef LIBPLAN_UTIL_SHA256_H_
#define LIBPLAN_UTIL_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace plan {

inline constexpr size_t kSha256Bytes = 32;

// The SHA-256 digest of `data`: 32 raw bytes.
std::string Sha256(absl::string_view data);

// `digest` as lower-case hex, for people.
std::string HexDigest(absl::string_view digest);

}  // namespace plan

#endif  // LIBPLAN_UTIL_SHA256_H_
