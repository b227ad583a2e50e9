// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// ThreadSanitizer builds only (CWALARM_TSAN, scripts/tsan.sh). Debian's
// Abseil is not compiled with -fsanitize=thread, so absl::Mutex's
// lock/unlock (atomics and futexes inside libabsl_synchronization) are
// invisible to TSan and every access guarded by one is reported as a race.
// The top-level CMakeLists.txt links with --wrap for these members; the
// wrappers tell TSan about the acquire/release, exactly what an instrumented
// Abseil does with its own annotations. CondVar/Await are not wrapped: the
// threaded code under TSan does not use them.

extern "C" {
void __tsan_acquire(void* addr);
void __tsan_release(void* addr);

// absl::debian3::Mutex::Lock() and friends; `mu` is `this`.
void __real__ZN4absl7debian35Mutex4LockEv(void* mu);
void __real__ZN4absl7debian35Mutex6UnlockEv(void* mu);
void __real__ZN4absl7debian35Mutex10ReaderLockEv(void* mu);
void __real__ZN4absl7debian35Mutex12ReaderUnlockEv(void* mu);
bool __real__ZN4absl7debian35Mutex7TryLockEv(void* mu);

void __wrap__ZN4absl7debian35Mutex4LockEv(void* mu) {
  __real__ZN4absl7debian35Mutex4LockEv(mu);
  __tsan_acquire(mu);
}
void __wrap__ZN4absl7debian35Mutex6UnlockEv(void* mu) {
  __tsan_release(mu);
  __real__ZN4absl7debian35Mutex6UnlockEv(mu);
}
void __wrap__ZN4absl7debian35Mutex10ReaderLockEv(void* mu) {
  __real__ZN4absl7debian35Mutex10ReaderLockEv(mu);
  __tsan_acquire(mu);
}
void __wrap__ZN4absl7debian35Mutex12ReaderUnlockEv(void* mu) {
  __tsan_release(mu);
  __real__ZN4absl7debian35Mutex12ReaderUnlockEv(mu);
}
bool __wrap__ZN4absl7debian35Mutex7TryLockEv(void* mu) {
  const bool locked = __real__ZN4absl7debian35Mutex7TryLockEv(mu);
  if (locked) __tsan_acquire(mu);
  return locked;
}
}  // extern "C"
