#pragma once

#include <string>
#include <string_view>

namespace phoenix::core {

// What went wrong, coarsely; the message says precisely.
enum class ErrorCode {
  kInvalidArgument,  // malformed input (a bad decimal string, a bad flag)
  kOutOfRange,       // well-formed but outside the allowed range
  kOverflow,         // the result does not fit the representation
  kParse,            // a document (YAML, JSON) could not be parsed
  kNotFound,         // a file, key or object does not exist
  kPermission,       // a file is not readable, or too readable (secrets)
  kIo,               // an operating-system call failed
  kTimeout,          // a deadline passed
  kUnavailable,      // a peer or resource cannot be reached now
  kRejected,         // a peer said no
  kInternal,         // a broken invariant inside Phoenix
};

// Stable lower-case name of a code, for logs and metric labels.
std::string_view to_string(ErrorCode code);

// An error: a code for programs and a message for people. A value type; any thread.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}

  // "<code>: <message>"
  std::string to_string() const;
};

}  // namespace phoenix::core
