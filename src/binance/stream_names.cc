#include "binance/stream_names.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>

#include "core/error.h"

namespace phoenix::binance {
namespace {

constexpr size_t kMaxSymbolLength = 20;

bool is_symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

bool is_valid_symbol(std::string_view symbol) {
  return !symbol.empty() && symbol.size() <= kMaxSymbolLength &&
         std::all_of(symbol.begin(), symbol.end(), is_symbol_char);
}

char to_lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Parses an optional "@100ms" / "@1000ms" suffix: the whole of `rest`.
bool parse_speed(std::string_view rest, UpdateSpeed& speed) {
  if (rest.empty()) {
    speed = UpdateSpeed::k1000ms;
    return true;
  }
  if (rest == "@100ms") {
    speed = UpdateSpeed::k100ms;
    return true;
  }
  if (rest == "@1000ms") {
    speed = UpdateSpeed::k1000ms;
    return true;
  }
  return false;
}

}  // namespace

core::Result<std::string> stream_name(const StreamSpec& spec) {
  if (!is_valid_symbol(spec.symbol)) {
    return core::Error{core::ErrorCode::kInvalidArgument,
                       "stream symbol must match [A-Za-z0-9._-]{1,20}, got \"" + spec.symbol + "\""};
  }
  std::string name;
  name.reserve(spec.symbol.size() + 24);
  for (char c : spec.symbol) name.push_back(to_lower_ascii(c));
  bool has_speed = false;
  switch (spec.kind) {
    case StreamKind::kBookTicker: name += "@bookTicker"; break;
    case StreamKind::kPartialDepth:
      if (spec.depth_levels != 5 && spec.depth_levels != 10 && spec.depth_levels != 20) {
        return core::Error{
            core::ErrorCode::kInvalidArgument,
            "partial depth levels must be 5, 10 or 20, got " + std::to_string(spec.depth_levels)};
      }
      name += "@depth";
      name += std::to_string(spec.depth_levels);
      has_speed = true;
      break;
    case StreamKind::kDiffDepth:
      name += "@depth";
      has_speed = true;
      break;
    case StreamKind::kTrade: name += "@trade"; break;
    case StreamKind::kAggTrade: name += "@aggTrade"; break;
    case StreamKind::kServerShutdown:
      return core::Error{core::ErrorCode::kInvalidArgument,
                         "!serverShutdown is pushed by the server, not subscribed"};
  }
  if (spec.speed == UpdateSpeed::k100ms) {
    if (!has_speed) {
      return core::Error{core::ErrorCode::kInvalidArgument, "only depth streams take an update speed"};
    }
    name += "@100ms";
  }
  return name;
}

std::optional<StreamName> parse_stream_name(std::string_view name) {
  if (name == "!serverShutdown") return StreamName{StreamKind::kServerShutdown, {}, 0, UpdateSpeed::k1000ms};
  const size_t at = name.find('@');
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  StreamName out;
  out.symbol = name.substr(0, at);
  if (!is_valid_symbol(out.symbol)) return std::nullopt;
  const std::string_view rest = name.substr(at + 1);
  if (rest == "bookTicker") {
    out.kind = StreamKind::kBookTicker;
    return out;
  }
  if (rest == "trade") {
    out.kind = StreamKind::kTrade;
    return out;
  }
  if (rest == "aggTrade") {
    out.kind = StreamKind::kAggTrade;
    return out;
  }
  constexpr std::string_view kDepth = "depth";
  if (!rest.starts_with(kDepth)) return std::nullopt;
  std::string_view tail = rest.substr(kDepth.size());
  if (tail.empty() || tail[0] == '@') {
    out.kind = StreamKind::kDiffDepth;
  } else {
    out.kind = StreamKind::kPartialDepth;
    if (tail.starts_with("5")) {
      out.depth_levels = 5;
      tail.remove_prefix(1);
    } else if (tail.starts_with("10") || tail.starts_with("20")) {
      out.depth_levels = tail[0] == '1' ? 10 : 20;
      tail.remove_prefix(2);
    } else {
      return std::nullopt;
    }
  }
  if (!parse_speed(tail, out.speed)) return std::nullopt;
  return out;
}

std::string raw_stream_target(std::string_view stream) {
  std::string target = "/ws/";
  target += stream;
  return target;
}

std::string combined_stream_target(std::span<const std::string> streams) {
  size_t length = 16;
  for (const std::string& s : streams) length += s.size() + 1;
  std::string target;
  target.reserve(length);
  target = "/stream?streams=";
  for (size_t i = 0; i < streams.size(); ++i) {
    if (i > 0) target += '/';
    target += streams[i];
  }
  return target;
}

std::vector<std::vector<std::string>> split_streams(std::span<const std::string> streams,
                                                    size_t max_per_connection) {
  if (max_per_connection == 0) max_per_connection = 1;
  std::vector<std::string> unique;
  unique.reserve(streams.size());
  std::unordered_set<std::string_view> seen;
  for (const std::string& s : streams) {
    if (seen.insert(s).second) unique.push_back(s);
  }
  std::vector<std::vector<std::string>> groups;
  if (unique.empty()) return groups;
  const size_t group_count = (unique.size() + max_per_connection - 1) / max_per_connection;
  const size_t base = unique.size() / group_count;
  const size_t larger = unique.size() % group_count;  // the first `larger` groups get one more
  groups.reserve(group_count);
  size_t next = 0;
  for (size_t g = 0; g < group_count; ++g) {
    const size_t n = base + (g < larger ? 1 : 0);
    const auto first = unique.begin() + static_cast<std::ptrdiff_t>(next);
    groups.emplace_back(std::make_move_iterator(first),
                        std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n)));
    next += n;
  }
  return groups;
}

std::vector<std::string> combined_stream_targets(std::span<const std::string> streams,
                                                 size_t max_per_connection) {
  std::vector<std::string> targets;
  for (const auto& group : split_streams(streams, max_per_connection)) {
    targets.push_back(combined_stream_target(group));
  }
  return targets;
}

std::string_view to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::kBookTicker: return "book_ticker";
    case MessageKind::kDepthSnapshot: return "depth_snapshot";
    case MessageKind::kDepthDiff: return "depth_diff";
    case MessageKind::kTrade: return "trade";
    case MessageKind::kAggTrade: return "agg_trade";
    case MessageKind::kControlReply: return "control_reply";
    case MessageKind::kServerShutdown: return "server_shutdown";
  }
  return "unknown";
}

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::kUnknownStream: return "unknown_stream";
    case DecodeError::kUnknownSymbol: return "unknown_symbol";
    case DecodeError::kMissingField: return "missing_field";
    case DecodeError::kWrongType: return "wrong_type";
    case DecodeError::kBadDecimal: return "bad_decimal";
    case DecodeError::kBadJson: return "bad_json";
    case DecodeError::kEmpty: return "empty";
    case DecodeError::kUnexpectedShape: return "unexpected_shape";
    case DecodeError::kTooLarge: return "too_large";
  }
  return "unknown";
}

}  // namespace phoenix::binance
