// Built into every binary of a ThreadSanitizer build (PLAN_SANITIZE=thread).
//
// Debian's Abseil is built without TSan, so TSan cannot see absl::Mutex
// lock and unlock: every ABSL_GUARDED_BY member would look like a data race.
// This file interposes the Mutex and CondVar entry points (an executable's
// definitions take precedence over a shared library's), calls Abseil's own
// through dlsym(RTLD_NEXT), and tells TSan what they did: taking a lock
// acquires the mutex, releasing it releases it, and waiting does both. A
// Condition is evaluated with the lock held, inside Abseil (by the waiting
// thread, or by the one unlocking on its behalf), so it is wrapped to acquire
// the mutex before and release it after.
// Reader locks are treated as writer locks: TSan may then miss a race between
// two readers, never report one that is not there.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"

namespace {

#define PLAN_STRINGIFY_(x) #x
#define PLAN_STRINGIFY(x) PLAN_STRINGIFY_(x)

// Abseil's own definition of absl::<ns>::`scope`::`method`, as mangled
// (`scope` and `method` are length-prefixed, `rest` is the signature).
template <typename Fn>
Fn Real(const char* scope, const char* method, const char* rest) {
  const std::string ns = PLAN_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name =
      "_ZN4absl" + std::to_string(ns.size()) + ns + scope + method + rest;
  void* real = dlsym(RTLD_NEXT, name.c_str());
  if (real == nullptr) {
    std::fprintf(stderr, "tsan_absl_sync: %s not found\n", name.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(real);
}

using Plain = void (*)(absl::Mutex*);
using Try = bool (*)(absl::Mutex*);
using When = void (*)(absl::Mutex*, const absl::Condition&);
using AwaitFn = bool (*)(absl::Mutex*, const absl::Condition&);
template <typename Arg>
using WhenFor = bool (*)(absl::Mutex*, const absl::Condition&, Arg);
template <typename Arg>
using WaitFor = bool (*)(absl::CondVar*, absl::Mutex*, Arg);

#define PLAN_MUTEX(method) "5Mutex", method
#define PLAN_CONDVAR(method) "7CondVar", method
constexpr char kCondition[] = "ERKNS0_9ConditionE";

// `cond`, evaluated after acquiring `mu` for TSan.
struct Guarded {
  absl::Mutex* mu;
  const absl::Condition* cond;
  static bool Eval(Guarded* guarded) {
    __tsan_acquire(guarded->mu);
    const bool met = guarded->cond->Eval();
    // Abseil may let the lock go after this, unseen by TSan.
    __tsan_release(guarded->mu);
    return met;
  }
  absl::Condition Wrapped() { return absl::Condition(&Guarded::Eval, this); }
};

// Abseil's deadlock detector keeps its lock graph under a SpinLock that TSan
// cannot see either; it has nothing to add to what TSan checks, so it is off.
const bool kDeadlockDetectionOff = [] {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
}();

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const Plain real = Real<Plain>(PLAN_MUTEX("4Lock"), "Ev");
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderLock() {
  static const Plain real = Real<Plain>(PLAN_MUTEX("10ReaderLock"), "Ev");
  real(this);
  __tsan_acquire(this);
}

bool Mutex::TryLock() {
  static const Try real = Real<Try>(PLAN_MUTEX("7TryLock"), "Ev");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

bool Mutex::ReaderTryLock() {
  static const Try real = Real<Try>(PLAN_MUTEX("13ReaderTryLock"), "Ev");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::Unlock() {
  static const Plain real = Real<Plain>(PLAN_MUTEX("6Unlock"), "Ev");
  __tsan_release(this);
  real(this);
}

void Mutex::ReaderUnlock() {
  static const Plain real = Real<Plain>(PLAN_MUTEX("12ReaderUnlock"), "Ev");
  __tsan_release(this);
  real(this);
}

void Mutex::LockWhen(const Condition& cond) {
  static const When real = Real<When>(PLAN_MUTEX("8LockWhen"), kCondition);
  real(this, Guarded{this, &cond}.Wrapped());
  __tsan_acquire(this);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const When real =
      Real<When>(PLAN_MUTEX("14ReaderLockWhen"), kCondition);
  real(this, Guarded{this, &cond}.Wrapped());
  __tsan_acquire(this);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = Real<WhenFor<Duration>>(
      PLAN_MUTEX("19LockWhenWithTimeout"), "ERKNS0_9ConditionENS0_8DurationE");
  const bool met = real(this, Guarded{this, &cond}.Wrapped(), timeout);
  __tsan_acquire(this);  // held either way
  return met;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = Real<WhenFor<Time>>(
      PLAN_MUTEX("20LockWhenWithDeadline"), "ERKNS0_9ConditionENS0_4TimeE");
  const bool met = real(this, Guarded{this, &cond}.Wrapped(), deadline);
  __tsan_acquire(this);
  return met;
}

void Mutex::Await(const Condition& cond) {
  static const When real = Real<When>(PLAN_MUTEX("5Await"), kCondition);
  __tsan_release(this);
  real(this, Guarded{this, &cond}.Wrapped());
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = Real<WhenFor<Duration>>(
      PLAN_MUTEX("16AwaitWithTimeout"), "ERKNS0_9ConditionENS0_8DurationE");
  __tsan_release(this);
  const bool met = real(this, Guarded{this, &cond}.Wrapped(), timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = Real<WhenFor<Time>>(
      PLAN_MUTEX("17AwaitWithDeadline"), "ERKNS0_9ConditionENS0_4TimeE");
  __tsan_release(this);
  const bool met = real(this, Guarded{this, &cond}.Wrapped(), deadline);
  __tsan_acquire(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  static const auto real =
      Real<void (*)(CondVar*, Mutex*)>(PLAN_CONDVAR("4Wait"), "EPNS0_5MutexE");
  __tsan_release(mu);
  real(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static const auto real = Real<WaitFor<Duration>>(
      PLAN_CONDVAR("15WaitWithTimeout"), "EPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static const auto real = Real<WaitFor<Time>>(
      PLAN_CONDVAR("16WaitWithDeadline"), "EPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

ABSL_NAMESPACE_END
}  // namespace absl
