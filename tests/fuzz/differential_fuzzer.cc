// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Structure-aware libFuzzer target: the fuzzer's bytes drive every choice of
// the differential trial of tests/testing/differential_trial.h (alarms,
// data, schedule) run through AlarmEvaluator and ReferenceEvaluator; any
// difference in history, reports or final status aborts with the trial's
// description. Built by scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "tests/testing/differential_trial.h"

namespace {

// A UniformRandomBitGenerator reading the input eight bytes at a time, then
// a SplitMix64 sequence seeded by those words: every mutation of the input is
// a different, reproducible trial. (Not zeros once exhausted: libstdc++'s
// uniform_int_distribution rejects a constant 0 forever.)
class FuzzedBits {
 public:
  using result_type = uint64_t;
  FuzzedBits(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() {
    return std::numeric_limits<result_type>::max();
  }
  result_type operator()() {
    if (pos_ < size_) {
      result_type v = 0;
      size_t n = size_ - pos_ < sizeof v ? size_ - pos_ : sizeof v;
      std::memcpy(&v, data_ + pos_, n);
      pos_ += n;
      state_ = state_ * 31 + v;
      return v;
    }
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t state_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte's low bit picks retention on or off (odd "seeds" drop).
  const uint64_t seed = data[0] & 1;
  std::string mismatch = cwalarm_testing::RunDifferentialTrial(
      seed, FuzzedBits(data + 1, size - 1));
  if (!mismatch.empty()) {
    std::fprintf(stderr, "differential_fuzzer: mismatch\n%s\n", mismatch.c_str());
    std::abort();
  }
  return 0;
}
