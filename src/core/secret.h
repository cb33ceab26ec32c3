#pragma once

#include <string>
#include <string_view>

namespace phoenix::core {

// A credential (API key, API secret, private key). Holds the value but never shows it:
// masked() and the fmt formatter print "***"; only reveal() gives the value, and only
// the code that signs requests should call it. Value type; any thread.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }
  // "***" when set, "" when empty: what logs and check-config print.
  std::string_view masked() const { return value_.empty() ? std::string_view() : std::string_view("***"); }

 private:
  std::string value_;
};

}  // namespace phoenix::core
