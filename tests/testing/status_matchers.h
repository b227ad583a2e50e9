// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// GoogleTest matchers for absl::Status and absl::StatusOr<T>, with the names
// of absl/status/status_matchers.h (Abseil LTS 20240722+), which our Abseil
// (Debian 20220623) lacks. Delete this file on upgrade and switch the using
// declarations to absl_testing (STYLE 8).
//
//   EXPECT_THAT(spec.Validate(), IsOk());
//   EXPECT_THAT(ParseUnit("Foo"),
//               StatusIs(absl::StatusCode::kInvalidArgument,
//                        HasSubstr("is not a CloudWatch unit")));
//
// Thread-safety: matchers are stateless values.

#ifndef CWALARM_TESTS_TESTING_STATUS_MATCHERS_H_
#define CWALARM_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace cwalarm_testing {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches a Status or StatusOr whose status is OK.
class IsOkMatcher {
 public:
  template <typename T>
  bool MatchAndExplain(const T& value,
                       ::testing::MatchResultListener* listener) const {
    const absl::Status& status = GetStatus(value);
    if (!status.ok()) *listener << "which is " << status.ToString();
    return status.ok();
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

// Matches a Status or StatusOr with `code` and a message matching `message`.
class StatusIsMatcher {
 public:
  StatusIsMatcher(absl::StatusCode code,
                  ::testing::Matcher<const std::string&> message)
      : code_(code), message_(std::move(message)) {}

  template <typename T>
  bool MatchAndExplain(const T& value,
                       ::testing::MatchResultListener* listener) const {
    const absl::Status& status = GetStatus(value);
    *listener << "which is " << status.ToString();
    if (status.code() != code_) return false;
    return message_.Matches(std::string(status.message()));
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has code " << absl::StatusCodeToString(code_)
        << " and a message that ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "does not have code " << absl::StatusCodeToString(code_)
        << " or has a message that ";
    message_.DescribeNegationTo(os);
  }

 private:
  absl::StatusCode code_;
  ::testing::Matcher<const std::string&> message_;
};

}  // namespace internal

// Matches an OK absl::Status or an absl::StatusOr<T> holding a value.
inline ::testing::PolymorphicMatcher<internal::IsOkMatcher> IsOk() {
  return ::testing::MakePolymorphicMatcher(internal::IsOkMatcher());
}

// Matches a status with `code` whose message matches `message_matcher`
// (a matcher such as HasSubstr("...") or a plain string for equality).
template <typename MessageMatcher>
::testing::PolymorphicMatcher<internal::StatusIsMatcher> StatusIs(
    absl::StatusCode code, MessageMatcher&& message_matcher) {
  return ::testing::MakePolymorphicMatcher(internal::StatusIsMatcher(
      code, ::testing::MatcherCast<const std::string&>(
                std::forward<MessageMatcher>(message_matcher))));
}

// Matches a status with `code`, whatever the message.
inline ::testing::PolymorphicMatcher<internal::StatusIsMatcher> StatusIs(
    absl::StatusCode code) {
  return StatusIs(code, ::testing::_);
}

}  // namespace cwalarm_testing

#endif  // CWALARM_TESTS_TESTING_STATUS_MATCHERS_H_
