#include "binance/depth_snapshot.h"

#include <string>
#include <vector>

#include "binance/json_internal.h"
#include "core/error.h"

namespace phoenix::binance {
namespace {

using json_internal::MaybeError;
using json_internal::reason_for;

// A REST body of 5000 levels a side is ~350 KiB; leave room.
constexpr size_t kMaxBodyBytes = 8 << 20;

core::Error parse_error(DecodeError reason, std::string_view what) {
  std::string message(to_string(reason));
  message += ": ";
  message += what;
  return core::Error{core::ErrorCode::kParse, std::move(message)};
}

}  // namespace

struct DepthSnapshotDecoder::Impl {
  explicit Impl(size_t max_levels) : max_levels_per_side(max_levels) {}

  // A Binance error body ({"code":..,"msg":..}), if this is one.
  std::optional<core::Error> binance_error(simdjson::ondemand::object& object);

  size_t max_levels_per_side;
  simdjson::ondemand::parser parser{kMaxBodyBytes};
  json_internal::PaddedInput input;
  std::vector<core::Level> bids;
  std::vector<core::Level> asks;
};

std::optional<core::Error> DepthSnapshotDecoder::Impl::binance_error(simdjson::ondemand::object& object) {
  int64_t code = 0;
  std::string_view msg;
  if (object.find_field_unordered("code").get_int64().get(code) != simdjson::SUCCESS) return std::nullopt;
  if (object.find_field_unordered("msg").get_string().get(msg) != simdjson::SUCCESS) msg = "";
  return core::Error{core::ErrorCode::kRejected,
                     "binance error " + std::to_string(code) + ": " + std::string(msg)};
}

DepthSnapshotDecoder::DepthSnapshotDecoder(size_t max_levels_per_side)
    : impl_(std::make_unique<Impl>(max_levels_per_side)) {}

DepthSnapshotDecoder::~DepthSnapshotDecoder() = default;

core::Result<core::DepthSnapshot> DepthSnapshotDecoder::decode(std::string_view body, size_t capacity,
                                                               core::SymbolId symbol,
                                                               const core::SymbolScale& scale) {
  if (body.empty()) return parse_error(DecodeError::kEmpty, "empty depth snapshot body");
  if (body.size() > kMaxBodyBytes)
    return parse_error(DecodeError::kTooLarge, "depth snapshot body over 8 MiB");
  bool copied = false;
  const char* data = impl_->input.prepare(body, capacity, copied);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (MaybeError error = json_internal::open_object(impl_->parser, data, body.size(), doc, object)) {
    return parse_error(*error, "depth snapshot is not a JSON object");
  }
  core::DepthSnapshot snapshot;
  snapshot.symbol = symbol;
  simdjson::error_code error =
      object.find_field_unordered("lastUpdateId").get_uint64().get(snapshot.last_update_id);
  if (error == simdjson::NO_SUCH_FIELD) {
    if (std::optional<core::Error> rejected = impl_->binance_error(object)) return std::move(*rejected);
  }
  if (error) return parse_error(reason_for(error), "lastUpdateId");
  for (const char* side : {"bids", "asks"}) {
    std::vector<core::Level>& levels = side[0] == 'b' ? impl_->bids : impl_->asks;
    simdjson::ondemand::value list;
    error = object.find_field_unordered(side).get(list);
    if (error) return parse_error(reason_for(error), side);
    if (MaybeError reason = json_internal::parse_levels(list, scale, impl_->max_levels_per_side, levels)) {
      return parse_error(*reason,
                         std::string(side) + " (after " + std::to_string(levels.size()) + " levels)");
    }
  }
  snapshot.bids = impl_->bids;
  snapshot.asks = impl_->asks;
  return snapshot;
}

}  // namespace phoenix::binance
