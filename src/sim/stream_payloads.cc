#include "sim/stream_payloads.h"

#include <array>
#include <charconv>

namespace phoenix::sim {
namespace {

template <class Int>
void append_int(std::string* out, Int value) {
  std::array<char, 24> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  (void)ec;  // 24 chars hold any 64-bit integer
  out->append(buf.data(), end);
}

void append_bool(std::string* out, bool value) { out->append(value ? "true" : "false"); }

void append_levels(std::string* out, std::span<const BookLevel> levels, PayloadScales scales) {
  out->push_back('[');
  bool first = true;
  for (const BookLevel& level : levels) {
    if (!first) out->push_back(',');
    first = false;
    out->push_back('[');
    append_quoted_units(out, level.price_units, scales.price_scale);
    out->push_back(',');
    append_quoted_units(out, level.qty_units, scales.qty_scale);
    out->push_back(']');
  }
  out->push_back(']');
}

}  // namespace

void append_quoted_units(std::string* out, int64_t units, int scale) {
  if (scale < 0) scale = 0;
  if (scale > 18) scale = 18;
  // Magnitude as unsigned so INT64_MIN is fine.
  uint64_t magnitude = units < 0 ? uint64_t{0} - static_cast<uint64_t>(units) : static_cast<uint64_t>(units);
  std::array<char, 48> buf{};
  size_t pos = buf.size();
  int digits = 0;
  do {
    buf[--pos] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
    ++digits;
    if (digits == scale) buf[--pos] = '.';
  } while (magnitude != 0 || digits < scale + 1);
  if (units < 0) buf[--pos] = '-';
  out->push_back('"');
  out->append(buf.data() + pos, buf.size() - pos);
  out->push_back('"');
}

std::string book_ticker_json(std::string_view symbol, uint64_t update_id, const BookLevel& bid,
                             const BookLevel& ask, PayloadScales scales) {
  std::string out;
  out.reserve(128 + symbol.size());
  out.append("{\"u\":");
  append_int(&out, update_id);
  out.append(",\"s\":\"").append(symbol).append("\",\"b\":");
  append_quoted_units(&out, bid.price_units, scales.price_scale);
  out.append(",\"B\":");
  append_quoted_units(&out, bid.qty_units, scales.qty_scale);
  out.append(",\"a\":");
  append_quoted_units(&out, ask.price_units, scales.price_scale);
  out.append(",\"A\":");
  append_quoted_units(&out, ask.qty_units, scales.qty_scale);
  out.push_back('}');
  return out;
}

std::string trade_json(std::string_view symbol, int64_t event_ms, const TradePrint& trade,
                       PayloadScales scales) {
  std::string out;
  out.reserve(160 + symbol.size());
  out.append("{\"e\":\"trade\",\"E\":");
  append_int(&out, event_ms);
  out.append(",\"s\":\"").append(symbol).append("\",\"t\":");
  append_int(&out, trade.trade_id);
  out.append(",\"p\":");
  append_quoted_units(&out, trade.price_units, scales.price_scale);
  out.append(",\"q\":");
  append_quoted_units(&out, trade.qty_units, scales.qty_scale);
  out.append(",\"T\":");
  append_int(&out, trade.time_ms);
  out.append(",\"m\":");
  append_bool(&out, trade.buyer_is_maker);
  out.append(",\"M\":true}");
  return out;
}

std::string agg_trade_json(std::string_view symbol, int64_t event_ms, const AggTrade& agg,
                           PayloadScales scales) {
  std::string out;
  out.reserve(192 + symbol.size());
  out.append("{\"e\":\"aggTrade\",\"E\":");
  append_int(&out, event_ms);
  out.append(",\"s\":\"").append(symbol).append("\",\"a\":");
  append_int(&out, agg.agg_id);
  out.append(",\"p\":");
  append_quoted_units(&out, agg.price_units, scales.price_scale);
  out.append(",\"q\":");
  append_quoted_units(&out, agg.qty_units, scales.qty_scale);
  out.append(",\"f\":");
  append_int(&out, agg.first_trade_id);
  out.append(",\"l\":");
  append_int(&out, agg.last_trade_id);
  out.append(",\"T\":");
  append_int(&out, agg.time_ms);
  out.append(",\"m\":");
  append_bool(&out, agg.buyer_is_maker);
  out.append(",\"M\":true}");
  return out;
}

std::string partial_depth_json(uint64_t last_update_id, std::span<const BookLevel> bids,
                               std::span<const BookLevel> asks, PayloadScales scales) {
  std::string out;
  out.reserve(48 + (bids.size() + asks.size()) * 48);
  out.append("{\"lastUpdateId\":");
  append_int(&out, last_update_id);
  out.append(",\"bids\":");
  append_levels(&out, bids, scales);
  out.append(",\"asks\":");
  append_levels(&out, asks, scales);
  out.push_back('}');
  return out;
}

std::string depth_update_json(std::string_view symbol, int64_t event_ms, uint64_t first_update_id,
                              uint64_t final_update_id, std::span<const BookLevel> bids,
                              std::span<const BookLevel> asks, PayloadScales scales) {
  std::string out;
  out.reserve(112 + symbol.size() + (bids.size() + asks.size()) * 48);
  out.append("{\"e\":\"depthUpdate\",\"E\":");
  append_int(&out, event_ms);
  out.append(",\"s\":\"").append(symbol).append("\",\"U\":");
  append_int(&out, first_update_id);
  out.append(",\"u\":");
  append_int(&out, final_update_id);
  out.append(",\"b\":");
  append_levels(&out, bids, scales);
  out.append(",\"a\":");
  append_levels(&out, asks, scales);
  out.push_back('}');
  return out;
}

std::string combined_json(std::string_view stream, std::string_view raw) {
  std::string out;
  out.reserve(22 + stream.size() + raw.size());
  out.append("{\"stream\":\"").append(stream).append("\",\"data\":").append(raw).push_back('}');
  return out;
}

}  // namespace phoenix::sim
