#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.h"

namespace phoenix::core {

// Result<T>: either a T or an Error. The return type of every fallible call on the
// event-loop path (no exceptions there). Construct from a T or from an Error:
//
//   Result<Price> parse(...) { if (bad) return Error{ErrorCode::kInvalidArgument, "..."}; return p; }
//   auto r = parse(...); if (!r) log(r.error().message); use(r.value());
//
// Accessing value() of an error (or error() of a value) is a programming error,
// checked by assert in debug builds. A value type; any thread.
template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>, "Result<Error> is ambiguous");

 public:
  Result(const T& value) : v_(std::in_place_index<0>, value) {}        // NOLINT(google-explicit-constructor)
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error)
      : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)
  template <class U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
           !std::is_same_v<std::remove_cvref_t<U>, Error> && !std::is_same_v<std::remove_cvref_t<U>, Result>)
      Result(U&& value)
      : v_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return *non_null(std::get_if<0>(&v_));
  }
  const T& value() const& {
    assert(ok());
    return *non_null(std::get_if<0>(&v_));
  }
  T&& value() && {
    assert(ok());
    return std::move(*non_null(std::get_if<0>(&v_)));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return *non_null(std::get_if<1>(&v_));
  }
  Error&& error() && {
    assert(!ok());
    return std::move(*non_null(std::get_if<1>(&v_)));
  }

  // The value, or `fallback` when this holds an error.
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  // get_if never returns null after the ok() check; telling the optimiser so keeps
  // -Wnull-dereference quiet at -O2.
  template <class P>
  static P* non_null(P* p) {
    if (p == nullptr) __builtin_unreachable();
    return p;
  }

  std::variant<T, Error> v_;
};

// Result<void>: success or an Error. `return {};` means success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace phoenix::core
