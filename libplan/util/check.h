// PLAN_DCHECK states an invariant the code relies on, where it must hold
// (docs/architecture.md lists the store's and the sync's):
//
//   PLAN_DCHECK(sequence == change.sequence()) << "the log skipped";
//
// In builds with PLAN_DCHECK_IS_ON (Debug and sanitizer builds; CMake's
// PLAN_DCHECKS), a false condition logs the condition, the message, the file
// and the line, and aborts. Otherwise the condition is compiled but never
// evaluated, so it costs nothing.
#ifndef LIBPLAN_UTIL_CHECK_H_
#define LIBPLAN_UTIL_CHECK_H_

#include <sstream>

namespace plan::check_internal {

// Collects the message of a failed check; aborts when destroyed.
class Failure {
 public:
  Failure(const char* file, int line, const char* condition);
  Failure(const Failure&) = delete;
  Failure& operator=(const Failure&) = delete;
  [[noreturn]] ~Failure();

  template <typename T>
  Failure& operator<<(const T& value) {
    message_ << value;
    return *this;
  }

 private:
  std::ostringstream message_;
};

// Makes `condition ? (void)0 : Voidify() & Failure(...) << ...` well-typed.
struct Voidify {
  void operator&(const Failure&) {}
};

}  // namespace plan::check_internal

#ifdef PLAN_DCHECK_IS_ON
#define PLAN_DCHECK(condition)              \
  (condition)                               \
      ? static_cast<void>(0)                \
      : ::plan::check_internal::Voidify() & \
            ::plan::check_internal::Failure(__FILE__, __LINE__, #condition)
#else
#define PLAN_DCHECK(condition) \
  while (false && (condition)) \
  ::plan::check_internal::Failure(__FILE__, __LINE__, #condition)
#endif

#endif  // LIBPLAN_UTIL_CHECK_H_
