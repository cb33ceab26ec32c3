#include "sim/params.h"

namespace phoenix::sim {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

core::Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return core::Error{core::ErrorCode::kInvalidArgument, "truncated percent escape"};
      }
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return core::Error{core::ErrorCode::kInvalidArgument, "bad percent escape"};
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

core::Result<Params> Params::parse_form(std::string_view text) {
  Params params;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('&', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view piece = text.substr(pos, end - pos);
    pos = end + 1;
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    auto name = percent_decode(piece.substr(0, eq));
    if (!name) return std::move(name).error();
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1));
    if (!value) return std::move(value).error();
    if (params.has(*name)) {
      return core::Error{core::ErrorCode::kInvalidArgument, "duplicate parameter " + *name};
    }
    params.add(std::move(*name), std::move(*value));
  }
  return params;
}

void Params::merge_missing(const Params& other) {
  for (const auto& [name, value] : other.items_) {
    if (!has(name)) add(name, value);
  }
}

const std::string* Params::find(std::string_view name) const {
  for (const auto& [n, v] : items_) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace phoenix::sim
