#include "binance/error_codes.h"

namespace phoenix::binance {
namespace {

using core::FailureAction;
using core::RequestKind;

bool is_order_lookup(RequestKind kind) {
  return kind == RequestKind::kCancel || kind == RequestKind::kQuery || kind == RequestKind::kAmend ||
         kind == RequestKind::kCancelAll || kind == RequestKind::kCancelReplace;
}

}  // namespace

std::string_view error_name(int code) {
  switch (code) {
    case 0: return "NONE";
    // 10xx: general server or network issues.
    case -1000: return "UNKNOWN";
    case -1001: return "DISCONNECTED";
    case -1002: return "UNAUTHORIZED";
    case -1003: return "TOO_MANY_REQUESTS";
    case -1006: return "UNEXPECTED_RESP";
    case -1007: return "TIMEOUT";
    case -1008: return "SERVER_BUSY";
    case -1013: return "INVALID_MESSAGE";
    case -1014: return "UNKNOWN_ORDER_COMPOSITION";
    case -1015: return "TOO_MANY_ORDERS";
    case -1016: return "SERVICE_SHUTTING_DOWN";
    case -1020: return "UNSUPPORTED_OPERATION";
    case -1021: return "INVALID_TIMESTAMP";
    case -1022: return "INVALID_SIGNATURE";
    case -1033: return "COMP_ID_IN_USE";
    case -1034: return "TOO_MANY_CONNECTIONS";
    case -1035: return "LOGGED_OUT";
    // 11xx: request issues.
    case -1100: return "ILLEGAL_CHARS";
    case -1101: return "TOO_MANY_PARAMETERS";
    case -1102: return "MANDATORY_PARAM_EMPTY_OR_MALFORMED";
    case -1103: return "UNKNOWN_PARAM";
    case -1104: return "UNREAD_PARAMETERS";
    case -1105: return "PARAM_EMPTY";
    case -1106: return "PARAM_NOT_REQUIRED";
    case -1108: return "PARAM_OVERFLOW";
    case -1111: return "BAD_PRECISION";
    case -1112: return "NO_DEPTH";
    case -1114: return "TIF_NOT_REQUIRED";
    case -1115: return "INVALID_TIF";
    case -1116: return "INVALID_ORDER_TYPE";
    case -1117: return "INVALID_SIDE";
    case -1118: return "EMPTY_NEW_CL_ORD_ID";
    case -1119: return "EMPTY_ORG_CL_ORD_ID";
    case -1120: return "BAD_INTERVAL";
    case -1121: return "BAD_SYMBOL";
    case -1122: return "INVALID_SYMBOLSTATUS";
    case -1125: return "INVALID_LISTEN_KEY";
    case -1127: return "MORE_THAN_XX_HOURS";
    case -1128: return "OPTIONAL_PARAMS_BAD_COMBO";
    case -1130: return "INVALID_PARAMETER";
    case -1131: return "BAD_RECV_WINDOW";
    case -1134: return "BAD_STRATEGY_TYPE";
    case -1135: return "INVALID_JSON";
    case -1139: return "INVALID_TICKER_TYPE";
    case -1145: return "INVALID_CANCEL_RESTRICTIONS";
    case -1151: return "DUPLICATE_SYMBOLS";
    case -1152: return "INVALID_SBE_HEADER";
    case -1153: return "UNSUPPORTED_SCHEMA_ID";
    case -1155: return "SBE_DISABLED";
    case -1158: return "OCO_ORDER_TYPE_REJECTED";
    case -1160: return "OCO_ICEBERGQTY_TIMEINFORCE";
    case -1161: return "DEPRECATED_SCHEMA";
    case -1165: return "BUY_OCO_LIMIT_MUST_BE_BELOW";
    case -1166: return "SELL_OCO_LIMIT_MUST_BE_ABOVE";
    case -1168: return "BOTH_OCO_ORDERS_CANNOT_BE_LIMIT";
    case -1169: return "INVALID_TAG_NUMBER";
    case -1170: return "TAG_NOT_DEFINED_IN_MESSAGE";
    case -1171: return "TAG_APPEARS_MORE_THAN_ONCE";
    case -1172: return "TAG_OUT_OF_ORDER";
    case -1173: return "GROUP_FIELDS_OUT_OF_ORDER";
    case -1174: return "INVALID_COMPONENT";
    case -1175: return "RESET_SEQ_NUM_SUPPORT";
    case -1176: return "ALREADY_LOGGED_IN";
    case -1177: return "GARBLED_MESSAGE";
    case -1178: return "BAD_SENDER_COMPID";
    case -1179: return "BAD_SEQ_NUM";
    case -1180: return "EXPECTED_LOGON";
    case -1181: return "TOO_MANY_MESSAGES";
    case -1182: return "PARAMS_BAD_COMBO";
    case -1183: return "NOT_ALLOWED_IN_DROP_COPY_SESSIONS";
    case -1184: return "DROP_COPY_SESSION_NOT_ALLOWED";
    case -1185: return "DROP_COPY_SESSION_REQUIRED";
    case -1186: return "NOT_ALLOWED_IN_ORDER_ENTRY_SESSIONS";
    case -1187: return "NOT_ALLOWED_IN_MARKET_DATA_SESSIONS";
    case -1188: return "INCORRECT_NUM_IN_GROUP_COUNT";
    case -1189: return "DUPLICATE_ENTRIES_IN_A_GROUP";
    case -1190: return "INVALID_REQUEST_ID";
    case -1191: return "TOO_MANY_SUBSCRIPTIONS";
    case -1194: return "INVALID_TIME_UNIT";
    case -1196: return "BUY_OCO_STOP_LOSS_MUST_BE_ABOVE";
    case -1197: return "SELL_OCO_STOP_LOSS_MUST_BE_BELOW";
    case -1198: return "BUY_OCO_TAKE_PROFIT_MUST_BE_BELOW";
    case -1199: return "SELL_OCO_TAKE_PROFIT_MUST_BE_ABOVE";
    // 20xx: processing issues.
    case -2010: return "NEW_ORDER_REJECTED";
    case -2011: return "CANCEL_REJECTED";
    case -2013: return "NO_SUCH_ORDER";
    case -2014: return "BAD_API_KEY_FMT";
    case -2015: return "REJECTED_MBX_KEY";
    case -2016: return "NO_TRADING_WINDOW";
    case -2021: return "ORDER_CANCEL_REPLACE_PARTIALLY_FAILED";
    case -2022: return "ORDER_CANCEL_REPLACE_FAILED";
    case -2026: return "ORDER_ARCHIVED";
    case -2035: return "SUBSCRIPTION_ACTIVE";
    case -2036: return "SUBSCRIPTION_INACTIVE";
    case -2038: return "ORDER_AMEND_REJECTED";
    case -2039: return "CLIENT_ORDER_ID_INVALID";
    case -2042: return "MAXIMUM_SUBSCRIPTION_IDS";
    case -4056: return "HMAC_KEY_NOT_SUPPORTED";
    default: return "UNKNOWN_CODE";
  }
}

FailureAction classify_failure(RequestKind kind, int code, int http_status) {
  // HTTP status first: it is what Binance guarantees for bans and limits.
  if (http_status == 418) return FailureAction::kBanned;
  if (http_status == 429) return FailureAction::kRetryLater;
  switch (code) {
    case 0:
      // No exchange code: a timeout, a dropped connection, or an HTTP error without body.
      if (http_status >= 400 && http_status < 500 && http_status != 408) return FailureAction::kRejected;
      return FailureAction::kUnknown;
    case -1000:  // UNKNOWN: "An unknown error occurred while processing the request."
    case -1001:  // DISCONNECTED: internal error
    case -1006:  // UNEXPECTED_RESP: execution status unknown
    case -1007:  // TIMEOUT: send status unknown; execution status unknown
      return FailureAction::kUnknown;
    case -1003:  // TOO_MANY_REQUESTS (429, or 418 when banned: handled above)
    case -1008:  // SERVER_BUSY
    case -1015:  // TOO_MANY_ORDERS
    case -1016:  // SERVICE_SHUTTING_DOWN
    case -1034:  // TOO_MANY_CONNECTIONS
      return FailureAction::kRetryLater;
    case -1021:  // INVALID_TIMESTAMP
      return FailureAction::kResyncTime;
    case -1002:  // UNAUTHORIZED
    case -1022:  // INVALID_SIGNATURE
    case -1035:  // LOGGED_OUT
    case -2014:  // BAD_API_KEY_FMT
    case -2015:  // REJECTED_MBX_KEY
    case -4056:  // HMAC key where Ed25519 is needed (session.logon)
      return FailureAction::kHalt;
    case -2011:  // CANCEL_REJECTED ("Unknown order sent.", or cancel restrictions)
    case -2013:  // NO_SUCH_ORDER
    case -2026:  // ORDER_ARCHIVED: the order is closed and old
      return is_order_lookup(kind) ? FailureAction::kOrderGone : FailureAction::kRejected;
    case -2038:  // ORDER_AMEND_REJECTED: unknown order, or an amend that is not allowed
      // The gateway cannot tell "unknown order" from "quantity increase" by code alone;
      // both leave the order unchanged. Treat as rejected; the caller queries when unsure.
      return FailureAction::kRejected;
    case -2021:  // cancelReplace partially failed: the caller reads each half
    case -2022:  // cancelReplace failed
      return FailureAction::kRejected;
    case -2010:  // NEW_ORDER_REJECTED (would take, insufficient balance, duplicate, ...)
    case -1013:  // INVALID_MESSAGE / filter failure
    case -1014:
    case -1020:
    case -1100:
    case -1101:
    case -1102:
    case -1103:
    case -1104:
    case -1105:
    case -1106:
    case -1108:
    case -1111:
    case -1112:
    case -1114:
    case -1115:
    case -1116:
    case -1117:
    case -1118:
    case -1119:
    case -1120:
    case -1121:
    case -1122:
    case -1125:
    case -1127:
    case -1128:
    case -1130:
    case -1131:
    case -1134:
    case -1135:
    case -1139:
    case -1145:
    case -1151:
    case -1182:
    case -1190:
    case -1194:
    case -2016:  // NO_TRADING_WINDOW
    case -2035:
    case -2036:
    case -2042:  // user-data subscription state
    case -2039:  // CLIENT_ORDER_ID_INVALID: the id pair does not match
      return FailureAction::kRejected;
    default: break;
  }
  if (http_status >= 500) return FailureAction::kUnknown;
  if (http_status >= 400) return FailureAction::kRejected;
  // A code we do not know on a response without HTTP status: nothing says it did nothing.
  return code <= -1000 && code > -1100 ? FailureAction::kUnknown : FailureAction::kRejected;
}

}  // namespace phoenix::binance
