#include "oms/client_id.h"

#include <cstring>

namespace phoenix::oms {

size_t to_base36(uint64_t value, char* out) {
  char tmp[16];
  size_t n = 0;
  do {
    const auto digit = static_cast<int>(value % 36);
    tmp[n++] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + (digit - 10));
    value /= 36;
  } while (value != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

std::optional<ClientIdGenerator> ClientIdGenerator::create(std::string_view prefix, int64_t start_wall_ms) {
  if (prefix.empty() || prefix.size() > kMaxPrefixSize || start_wall_ms < 0) return std::nullopt;
  if (!core::ClientOrderId::parse(prefix)) return std::nullopt;
  ClientIdGenerator gen;
  std::memcpy(gen.head_, prefix.data(), prefix.size());
  gen.prefix_size_ = prefix.size();
  size_t n = prefix.size();
  gen.head_[n++] = '-';
  n += to_base36(static_cast<uint64_t>(start_wall_ms), gen.head_ + n);
  gen.head_[n++] = '-';
  gen.head_size_ = n;
  return gen;
}

core::ClientOrderId ClientIdGenerator::next() {
  char buf[core::ClientOrderId::kMaxSize + 16];
  std::memcpy(buf, head_, head_size_);
  const size_t n = head_size_ + to_base36(++counter_, buf + head_size_);
  // head <= 12 + 1 + 13 + 1 (start_ms < 2^63 is at most 13 digits, but any real wall
  // clock until year 5188 is 8) and the counter fits 13 digits; parse() guards the rest.
  auto id = core::ClientOrderId::parse(
      {buf, n > core::ClientOrderId::kMaxSize ? core::ClientOrderId::kMaxSize : n});
  return id ? *id : core::ClientOrderId{};
}

bool ClientIdGenerator::is_ours(const core::ClientOrderId& id) const {
  const std::string_view v = id.view();
  return v.size() > prefix_size_ && v.starts_with(prefix()) && v[prefix_size_] == '-';
}

}  // namespace phoenix::oms
