#include "binance/control_messages.h"

#include <cstdio>
#include <string>
#include <vector>

#include "binance/json_internal.h"

namespace phoenix::binance {
namespace {

using json_internal::append_json_string;

using json_internal::MaybeError;
using json_internal::reason_for;

std::string encode_with_params(std::string_view method, std::span<const std::string> streams, int64_t id) {
  std::string out;
  size_t length = 48;
  for (const std::string& s : streams) length += s.size() + 3;
  out.reserve(length);
  out += R"({"method":)";
  append_json_string(out, method);
  out += R"(,"params":[)";
  for (size_t i = 0; i < streams.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, streams[i]);
  }
  out += R"(],"id":)";
  out += std::to_string(id);
  out += '}';
  return out;
}

}  // namespace

std::string encode_subscribe(std::span<const std::string> streams, int64_t id) {
  return encode_with_params("SUBSCRIBE", streams, id);
}

std::string encode_unsubscribe(std::span<const std::string> streams, int64_t id) {
  return encode_with_params("UNSUBSCRIBE", streams, id);
}

std::string encode_list_subscriptions(int64_t id) {
  return R"({"method":"LIST_SUBSCRIPTIONS","id":)" + std::to_string(id) + "}";
}

struct ControlReplyDecoder::Impl {
  simdjson::ondemand::parser parser{1 << 20};
  json_internal::PaddedInput input;
  std::vector<std::string_view> list;

  MaybeError read_id(simdjson::ondemand::object& object, ControlReply& out);
  MaybeError read_result(simdjson::ondemand::value& result, ControlReply& out);
  MaybeError read_error(simdjson::ondemand::value& error, ControlReply& out);
};

MaybeError ControlReplyDecoder::Impl::read_id(simdjson::ondemand::object& object, ControlReply& out) {
  simdjson::ondemand::value id;
  if (auto error = object.find_field_unordered("id").get(id)) return reason_for(error);
  simdjson::ondemand::json_type type;
  if (auto error = id.type().get(type)) return reason_for(error);
  switch (type) {
    case simdjson::ondemand::json_type::null: return std::nullopt;
    case simdjson::ondemand::json_type::number: {
      int64_t n = 0;
      if (auto error = id.get_int64().get(n)) return reason_for(error);
      out.id = n;
      return std::nullopt;
    }
    case simdjson::ondemand::json_type::string:
      if (auto error = id.get_string().get(out.id_text)) return reason_for(error);
      return std::nullopt;
    default: return DecodeError::kWrongType;
  }
}

MaybeError ControlReplyDecoder::Impl::read_result(simdjson::ondemand::value& result, ControlReply& out) {
  simdjson::ondemand::json_type type;
  if (auto error = result.type().get(type)) return reason_for(error);
  switch (type) {
    case simdjson::ondemand::json_type::null: {
      bool is_null = false;
      if (auto error = result.is_null().get(is_null)) return reason_for(error);
      if (!is_null) return DecodeError::kBadJson;
      out.kind = ControlReply::Kind::kOk;
      return std::nullopt;
    }
    case simdjson::ondemand::json_type::boolean:
      if (auto error = result.get_bool().get(out.value)) return reason_for(error);
      out.kind = ControlReply::Kind::kValue;
      return std::nullopt;
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array array;
      if (auto error = result.get_array().get(array)) return reason_for(error);
      list.clear();
      for (auto element : array) {
        std::string_view text;
        if (auto error = element.get_string().get(text)) return reason_for(error);
        list.push_back(text);
      }
      out.kind = ControlReply::Kind::kList;
      out.list = list;
      return std::nullopt;
    }
    default: return DecodeError::kUnexpectedShape;
  }
}

MaybeError ControlReplyDecoder::Impl::read_error(simdjson::ondemand::value& error_value, ControlReply& out) {
  simdjson::ondemand::object object;
  if (auto error = error_value.get_object().get(object)) return reason_for(error);
  if (auto error = object.find_field_unordered("code").get_int64().get(out.error_code))
    return reason_for(error);
  if (auto error = object.find_field_unordered("msg").get_string().get(out.error_msg))
    return reason_for(error);
  out.kind = ControlReply::Kind::kError;
  return std::nullopt;
}

ControlReplyDecoder::ControlReplyDecoder() : impl_(std::make_unique<Impl>()) {}
ControlReplyDecoder::~ControlReplyDecoder() = default;

DecodeResult ControlReplyDecoder::decode(std::string_view payload, size_t capacity, ControlReply& out) {
  out = ControlReply{};
  if (payload.empty()) return DecodeResult::failure(DecodeError::kEmpty);
  if (payload.size() > impl_->parser.max_capacity()) return DecodeResult::failure(DecodeError::kTooLarge);
  bool copied = false;
  const char* data = impl_->input.prepare(payload, capacity, copied);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (MaybeError e = json_internal::open_object(impl_->parser, data, payload.size(), doc, object)) {
    return DecodeResult::failure(*e);
  }
  // Binance writes "result"/"error" first, then "id".
  simdjson::ondemand::value value;
  simdjson::error_code error = object.find_field_unordered("result").get(value);
  if (error == simdjson::SUCCESS) {
    if (MaybeError e = impl_->read_result(value, out)) return DecodeResult::failure(*e);
  } else if (error == simdjson::NO_SUCH_FIELD) {
    if (auto e2 = object.find_field_unordered("error").get(value))
      return DecodeResult::failure(reason_for(e2));
    if (MaybeError e = impl_->read_error(value, out)) return DecodeResult::failure(*e);
  } else {
    return DecodeResult::failure(reason_for(error));
  }
  if (MaybeError e = impl_->read_id(object, out)) return DecodeResult::failure(*e);
  return DecodeResult::success(MessageKind::kControlReply);
}

}  // namespace phoenix::binance
