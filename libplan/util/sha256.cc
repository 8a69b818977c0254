#include "libplan/util/sha256.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"

namespace plan {

std::string Sha256(absl::string_view data) {
  std::string digest(kSha256Bytes, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

std::string HexDigest(absl::string_view digest) {
  return absl::BytesToHexString(digest);
}

}  // namespace plan
