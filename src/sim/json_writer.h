#pragma once

// JsonWriter: a small streaming JSON text builder for the exchange's replies and events.
// Commas are inserted automatically; strings are escaped (control characters as \u00XX,
// other bytes passed through, so UTF-8 stays UTF-8). Not validating: the caller pairs
// begin/end calls. Value type; single-threaded use.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace phoenix::sim {

class JsonWriter {
 public:
  JsonWriter& begin_object() {
    separate();
    out_.push_back('{');
    first_.push_back(true);
    return *this;
  }
  JsonWriter& end_object() {
    out_.push_back('}');
    first_.pop_back();
    return *this;
  }
  JsonWriter& begin_array() {
    separate();
    out_.push_back('[');
    first_.push_back(true);
    return *this;
  }
  JsonWriter& end_array() {
    out_.push_back(']');
    first_.pop_back();
    return *this;
  }
  // An object key; the next value call writes its value.
  JsonWriter& key(std::string_view name) {
    separate();
    append_string(name);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonWriter& str(std::string_view value) {
    separate();
    append_string(value);
    return *this;
  }
  JsonWriter& num(int64_t value) {
    separate();
    out_ += std::to_string(value);
    return *this;
  }
  JsonWriter& boolean(bool value) {
    separate();
    out_ += value ? "true" : "false";
    return *this;
  }
  JsonWriter& null() {
    separate();
    out_ += "null";
    return *this;
  }
  // Already-serialised JSON (a nested object built elsewhere, a raw id token).
  JsonWriter& raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
  }

  // Shorthands for key + value.
  JsonWriter& kv(std::string_view k, std::string_view v) { return key(k).str(v); }
  JsonWriter& kv(std::string_view k, const char* v) { return key(k).str(v); }
  JsonWriter& kv(std::string_view k, const std::string& v) { return key(k).str(v); }
  JsonWriter& kv(std::string_view k, int64_t v) { return key(k).num(v); }
  JsonWriter& kv(std::string_view k, int v) { return key(k).num(v); }
  JsonWriter& kv(std::string_view k, uint64_t v) { return key(k).num(static_cast<int64_t>(v)); }
  JsonWriter& kv(std::string_view k, bool v) { return key(k).boolean(v); }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  static void escape_into(std::string_view s, std::string* out) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(c);
      } else if (c == '\n') {
        *out += "\\n";
      } else if (c == '\r') {
        *out += "\\r";
      } else if (c == '\t') {
        *out += "\\t";
      } else if (u < 0x20) {
        *out += "\\u00";
        out->push_back(kHex[u >> 4]);
        out->push_back(kHex[u & 0xf]);
      } else {
        out->push_back(c);
      }
    }
  }

 private:
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_.push_back(',');
      first_.back() = false;
    }
  }
  void append_string(std::string_view s) {
    out_.push_back('"');
    escape_into(s, &out_);
    out_.push_back('"');
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace phoenix::sim
