// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/metric_id.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

bool HasNonWhitespace(absl::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return !absl::ascii_isspace(c); });
}

bool IsPrintableAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

bool IsNamespaceChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_' ||
         c == '/' || c == '#' || c == ':' || c == ' ';
}

absl::Status Invalid(absl::string_view context, absl::string_view field,
                     absl::string_view value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat(context, ": ", field, " \"", value, "\" ", rule));
}

}  // namespace

MetricId MetricId::Canonical() const {
  MetricId out = *this;
  std::sort(out.dimensions.begin(), out.dimensions.end(),
            [](const Dimension& a, const Dimension& b) {
              return std::tie(a.name, a.value) < std::tie(b.name, b.value);
            });
  return out;
}

std::string MetricId::Key() const {
  return std::string(MetricKeyBuilder(*this).view());
}

MetricKeyBuilder::MetricKeyBuilder(const MetricId& id) {
  // \x1f (unit separator) and \x1e (record separator) cannot occur in a
  // valid namespace or dimension, so dimensions cannot be confused: '=' is
  // allowed in dimension names and values, so {"a=b": "c"} and
  // {"a": "b=c"} would share a key with '=' as the separator.
  const std::vector<Dimension>& dims = id.dimensions;
  // One size computation and one capacity check, then plain copies: this
  // runs for every datum PutMetricData stores.
  size_t size = id.metric_namespace.size() + 1 + id.metric_name.size();
  for (const Dimension& d : dims) size += 2 + d.name.size() + d.value.size();
  Reserve(size);
  char* out = data_;
  auto put = [&out](const std::string& s) {
    std::memcpy(out, s.data(), s.size());
    out += s.size();
  };
  put(id.metric_namespace);
  *out++ = '\x1f';
  put(id.metric_name);
  auto put_dimension = [&](const Dimension& d) {
    *out++ = '\x1f';
    put(d.name);
    *out++ = '\x1e';
    put(d.value);
  };
  // Canonical order: by name, then value (names are unique in valid ids).
  auto less = [](const Dimension& a, const Dimension& b) {
    const int c = a.name.compare(b.name);
    return c != 0 ? c < 0 : a.value < b.value;
  };
  if (std::is_sorted(dims.begin(), dims.end(), less)) {
    for (const Dimension& d : dims) put_dimension(d);
  } else {
    // Order pointers, not strings: no copy of the dimensions.
    std::array<const Dimension*, kMaxDimensions> inline_order;
    std::vector<const Dimension*> heap_order;  // Only for invalid ids (> 30).
    const Dimension** order = inline_order.data();
    if (dims.size() > inline_order.size()) {
      heap_order.resize(dims.size());
      order = heap_order.data();
    }
    for (size_t i = 0; i < dims.size(); ++i) order[i] = &dims[i];
    std::sort(order, order + dims.size(),
              [&less](const Dimension* a, const Dimension* b) {
                return less(*a, *b);
              });
    for (size_t i = 0; i < dims.size(); ++i) put_dimension(*order[i]);
  }
  size_ = static_cast<size_t>(out - data_);
}

void MetricKeyBuilder::Reserve(size_t size) {
  if (size <= kInlineBytes) return;
  heap_.resize(size);
  data_ = &heap_[0];
}

absl::Status ValidateMetricId(const MetricId& id, absl::string_view context) {
  const std::string& ns = id.metric_namespace;
  if (ns.empty() || ns.size() > 255) {
    return Invalid(context, "Namespace", ns,
                   "must have length between 1 and 255");
  }
  if (ns[0] == ':') {
    return Invalid(context, "Namespace", ns, "must not start with ':'");
  }
  if (!HasNonWhitespace(ns) ||
      !std::all_of(ns.begin(), ns.end(), IsNamespaceChar)) {
    return Invalid(context, "Namespace", ns,
                   "must contain only 0-9A-Za-z . - _ / # : and spaces, with "
                   "at least one non-whitespace character");
  }
  if (id.metric_name.empty() || id.metric_name.size() > 255) {
    return Invalid(context, "MetricName", id.metric_name,
                   "must have length between 1 and 255");
  }
  if (static_cast<int>(id.dimensions.size()) > kMaxDimensions) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": Dimensions has ", id.dimensions.size(),
        " entries; a metric has at most ", kMaxDimensions, " dimensions"));
  }
  for (size_t i = 0; i < id.dimensions.size(); ++i) {
    const Dimension& d = id.dimensions[i];
    // Field names are formatted only on failure: the accepted path allocates
    // nothing.
    auto name_field = [i] { return absl::StrCat("Dimensions[", i, "].Name"); };
    auto value_field = [i] {
      return absl::StrCat("Dimensions[", i, "].Value");
    };
    if (d.name.empty() || d.name.size() > 255) {
      return Invalid(context, name_field(), d.name,
                     "must have length between 1 and 255");
    }
    if (d.name[0] == ':') {
      return Invalid(context, name_field(), d.name, "must not start with ':'");
    }
    if (!IsPrintableAscii(d.name) || !HasNonWhitespace(d.name)) {
      return Invalid(context, name_field(), d.name,
                     "must be ASCII without control characters and contain a "
                     "non-whitespace character");
    }
    if (d.value.empty() || d.value.size() > 1024) {
      return Invalid(context, value_field(), d.value,
                     "must have length between 1 and 1024");
    }
    if (!IsPrintableAscii(d.value) || !HasNonWhitespace(d.value)) {
      return Invalid(context, value_field(), d.value,
                     "must be ASCII without control characters and contain a "
                     "non-whitespace character");
    }
    for (size_t j = 0; j < i; ++j) {
      if (id.dimensions[j].name == d.name) {
        return Invalid(context, name_field(), d.name,
                       "appears more than once");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace cwalarm
