#include "libplan/util/check.h"

#include <cstdlib>
#include <iostream>

namespace plan::check_internal {

Failure::Failure(const char* file, int line, const char* condition) {
  message_ << file << ":" << line << ": invariant failed: " << condition
           << ": ";
}

Failure::~Failure() {
  std::cerr << message_.str() << std::endl;
  std::abort();
}

}  // namespace plan::check_internal
