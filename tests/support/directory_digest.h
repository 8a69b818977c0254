// What "changes nothing" compares for a store directory: each file's name,
// size and a hash of its content, leaving out RocksDB's own text log (LOG,
// LOG.old.*) and LOCK, which every attempt to open the store writes.
#ifndef PLAN_TESTS_SUPPORT_DIRECTORY_DIGEST_H_
#define PLAN_TESTS_SUPPORT_DIRECTORY_DIGEST_H_

#include <map>
#include <string>

namespace prevent::plan::test_support {

// File name -> "<size> bytes, hash <hash>", for the files directly in `dir`.
std::map<std::string, std::string> StoreFiles(const std::string& dir);

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_DIRECTORY_DIGEST_H_
