#pragma once

// ExchangeImpl: the Exchange (sim/exchange.h). Split over several files:
//   exchange_impl.cc   creation, engine calls, the order record store, event fan-out
//                      (user data, MarketListener), filters, market access, admin, metrics
//   trading_ops.cc     the API operations shared by REST and the WebSocket API (order,
//                      cancel, cancelReplace, amend, queries, account, exchangeInfo, depth)
//   rest_api.cc        handle_rest: routing, parameters, auth, weights, headers
//   ws_api.cc          the WebSocket API: envelope, sessions, logon, user data streams
// Threading: single-threaded, the exchange's event loop.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/auth.h"
#include "sim/exchange.h"
#include "sim/json_writer.h"
#include "sim/params.h"
#include "sim/rate_limiter.h"

namespace phoenix::sim {

// A Binance error answer: HTTP status, code, message; `data_json` (raw JSON) when the
// error carries data (cancelReplace, WS-API retryAfter).
struct ApiError {
  int http_status = 400;
  int code = 0;
  std::string msg;
  std::string data_json;
  int64_t retry_after_ms = 0;  // 429/418: epoch ms
};

// The outcome of one API operation: a JSON result or an error.
struct ApiOutcome {
  std::optional<ApiError> error;
  std::string json;
  static ApiOutcome ok(std::string json) { return ApiOutcome{std::nullopt, std::move(json)}; }
  static ApiOutcome fail(ApiError e) { return ApiOutcome{std::move(e), {}}; }
};

// Who is calling, as the transport established it.
struct CallerCtx {
  std::string_view ip;
  AccountId account = 0;
};

class ExchangeImpl final : public Exchange {
 public:
  ExchangeImpl(ExchangeSpec spec, const core::Clock& clock);
  // Builds everything create() validated; an error if the engine refuses the spec.
  core::Status init();

  HttpReplyOut handle_rest(const HttpRequestIn& request) override;
  SessionId ws_api_open(std::string_view client_ip, WsSend send) override;
  void ws_api_message(SessionId session, std::string_view text) override;
  void ws_api_close(SessionId session) override;

  core::Result<AccountId> add_market_account(std::string name,
                                             std::vector<std::pair<std::string, int64_t>> balances) override;
  PlaceResult place_internal(const NewOrder& order) override;
  core::Status cancel_internal(std::string_view symbol, AccountId account, OrderId id) override;

  const std::vector<ExchangeSymbolSpec>& symbols() const override { return spec_.symbols; }
  const ExchangeSymbolSpec* symbol(std::string_view name) const override;
  std::vector<BookLevel> levels(std::string_view symbol, Side side, size_t max_levels) const override;
  uint64_t book_update_id(std::string_view symbol) const override;
  const MatchingEngine& engine() const override { return engine_; }
  void set_market_listener(MarketListener* listener) override { listener_ = listener; }

  std::string admin_open_orders_json(std::string_view symbol) const override;
  void inject_order_rejects(int count, int code, int http_status) override;
  core::Status admin_deposit(std::string_view account, std::string_view asset,
                             std::string_view amount) override;
  void append_metrics(std::string* out) const override;

  // ---- The API operations (trading_ops.cc), shared by REST and the WebSocket API. The
  // caller has authenticated `c.account` for the signed ones.
  ApiOutcome op_exchange_info(const Params& p) const;
  ApiOutcome op_depth(const Params& p) const;
  ApiOutcome op_book_ticker(const Params& p) const;
  ApiOutcome op_place(const CallerCtx& c, const Params& p);
  ApiOutcome op_cancel(const CallerCtx& c, const Params& p);
  ApiOutcome op_cancel_all(const CallerCtx& c, const Params& p);
  ApiOutcome op_cancel_replace(const CallerCtx& c, const Params& p);
  ApiOutcome op_amend(const CallerCtx& c, const Params& p);
  ApiOutcome op_query_order(const CallerCtx& c, const Params& p) const;
  ApiOutcome op_open_orders(const CallerCtx& c, const Params& p) const;
  ApiOutcome op_account(const CallerCtx& c, const Params& p) const;
  ApiOutcome op_my_trades(const CallerCtx& c, const Params& p) const;
  // The weight of a depth request (by its limit).
  static int64_t depth_weight(const Params& p);

  // ---- Binance error answers.
  static ApiError error(int code, std::string msg, int http_status = 400);
  // -1102 "Mandatory parameter '<name>' was not sent, was empty/null, or malformed."
  static ApiError mandatory(std::string_view name);
  // -1100 "Illegal characters found in parameter '<name>'; legal range is '<range>'."
  static ApiError illegal(std::string_view name, std::string_view range);
  // The matching engine's message for a reject ("Duplicate order sent.", ...).
  static std::string engine_message(RejectReason reason);
  // The usual message of a code (for injected rejects).
  static std::string default_message(int code);

  int64_t now_ms() const { return clock_.wall_ms(); }

 private:
  struct KeyEntry {
    AccountId account = 0;
    KeyVerifier verifier;
    std::string api_key;
  };
  struct AccountInfo {
    std::string name;
    bool internal = false;  // a synthetic-market account: no order records, no limits
  };
  // The order record store (bot accounts only): open and recently closed orders, for
  // queries and for the executionReport fields the engine does not know (O, W, V).
  struct OrderRecord {
    std::string symbol;
    AccountId account = 0;
    OrderId id = 0;
    std::string client_id;
    Side side = Side::kBuy;
    OrderType type = OrderType::kLimit;
    TimeInForce tif = TimeInForce::kGtc;
    StpMode stp = StpMode::kNone;
    int64_t price_units = 0;
    int64_t orig_qty_units = 0;
    int64_t executed_qty_units = 0;
    int64_t cum_quote_units = 0;
    OrderStatus status = OrderStatus::kNew;
    int64_t time_ms = 0;
    int64_t update_time_ms = 0;
    int64_t working_time_ms = -1;  // -1: never on the book
    bool counted = false;          // in the unfilled order count and not filled yet
    bool open = true;
  };
  // One fill of a bot account (GET /api/v3/myTrades).
  struct TradeRecord {
    std::string symbol;
    int64_t trade_id = 0;
    OrderId order_id = 0;
    int64_t price_units = 0;
    int64_t qty_units = 0;
    int64_t quote_units = 0;
    int64_t commission_units = 0;
    std::string commission_asset;
    int64_t time_ms = 0;
    bool is_buyer = false;
    bool is_maker = false;
  };
  struct SymbolState {
    uint64_t update_id = 1;
    std::optional<int64_t> last_price_units;  // PERCENT_PRICE_BY_SIDE reference
  };
  // Facts about one engine call that its events need.
  struct CallExtras {
    std::map<OrderId, std::string> cancel_ids;  // a cancel's own client id (c); C = original
    std::string amend_orig_client_id;
    StpMode stp = StpMode::kNone;  // of the order being placed (V)
    bool counted = false;          // the placed order entered the unfilled order count
  };
  struct Subscription {
    int64_t id = 0;
    AccountId account = 0;
    bool from_logon = false;
  };
  struct Session {
    std::string ip;
    WsSend send;
    int64_t connected_ms = 0;
    int64_t authorized_ms = 0;
    const KeyEntry* logon = nullptr;
    int64_t next_subscription_id = 0;
    std::vector<Subscription> subscriptions;
  };
  struct ParsedOrder {
    NewOrder order;
    const ExchangeSymbolSpec* spec = nullptr;
    std::string resp_type;  // ACK / RESULT / FULL
  };
  struct AuthResult {
    std::optional<ApiError> error;
    const KeyEntry* key = nullptr;
  };

  // ---- events (exchange_impl.cc): records, trade history, order counts, user data,
  // the MarketListener, book update ids. Called after every engine call.
  void process(std::string_view symbol, std::vector<Event>* events, const CallExtras& extras);
  void send_user_event(AccountId account, const std::string& event_json);
  std::string execution_report(const OrderUpdate& u, const OrderRecord* rec, const CallExtras& extras,
                               int64_t now_ms, int64_t exec_id);
  void trim_records();

  // ---- validation shared by the operations
  // The `symbol` parameter (-1102 missing, -1121 unknown).
  const ExchangeSymbolSpec* require_symbol(const Params& p, std::optional<ApiError>* error) const;
  // Binance's filters (-1013 "Filter failure: ..."); nullopt when the order passes.
  std::optional<ApiError> check_filters(const ExchangeSymbolSpec& s, const NewOrder& o,
                                        bool percent_price) const;
  // Quote asset units of price x qty, rounded down.
  int64_t quote_of(const ExchangeSymbolSpec& s, int64_t price_units, int64_t qty_units) const;
  int asset_scale(std::string_view asset) const;
  std::string next_generated_id(std::string_view prefix);

  // ---- order operations' helpers (trading_ops.cc)
  // Parses and checks a new order's parameters: everything before the engine.
  std::optional<ApiError> parse_order(const CallerCtx& c, const Params& p, ParsedOrder* out) const;
  // Places a parsed order (injected rejects, order count limits, engine) and answers.
  ApiOutcome place_parsed(const CallerCtx& c, const ParsedOrder& po);
  // Cancels the order named by the `id_param` / `client_param` parameters.
  ApiOutcome cancel_one(const CallerCtx& c, const ExchangeSymbolSpec& s, const Params& p,
                        std::string_view id_param, std::string_view client_param,
                        std::string_view new_id_param);
  // The caller's order record named by id and/or client id (open or recently closed);
  // -1102 neither, -2039 they disagree, `missing_code` when unknown.
  std::optional<ApiError> lookup_order(const CallerCtx& c, const ExchangeSymbolSpec& s, const Params& p,
                                       std::string_view id_param, std::string_view client_param,
                                       int missing_code, const OrderRecord** out) const;
  void write_order(JsonWriter& w, const OrderRecord& r, bool query_shape) const;
  std::string cancel_response(const OrderRecord& r, std::string_view cancel_client_id, int64_t now_ms) const;

  // ---- auth (rest_api.cc), shared with the WebSocket API
  const KeyEntry* find_key(std::string_view api_key) const;
  // timestamp / recvWindow (-1102, -1111, -1131, -1021).
  std::optional<ApiError> check_timestamp(const Params& p) const;
  // REST: key from the header (-2014, -2015), signature over raw query + raw body.
  AuthResult auth_rest(std::string_view api_key, const Params& p, std::string_view payload);

  // ---- WebSocket API (ws_api.cc)
  void ws_handle(Session& session, std::string_view text);
  std::string ws_rate_limits(std::string_view ip, AccountId account, bool orders) const;
  ApiOutcome ws_subscribe(Session& session, AccountId account, bool from_logon);
  void ws_terminate(Session& session, const Subscription& sub);

  // ---- metrics
  void count_error(int code) { ++errors_by_code_[code]; }
  void count_rest(std::string_view method, std::string_view endpoint) {
    ++rest_requests_[{std::string(method), std::string(endpoint)}];
  }
  void count_limited(int status) { ++limited_by_status_[status]; }

  ExchangeSpec spec_;
  const core::Clock& clock_;
  MatchingEngine engine_;
  RateLimiter limits_;
  MarketListener* listener_ = nullptr;

  std::map<std::string, KeyEntry, std::less<>> keys_;
  std::map<AccountId, AccountInfo> accounts_;
  AccountId next_market_account_ = 1'000'000;
  std::map<std::string, SymbolState, std::less<>> symbol_state_;

  std::unordered_map<OrderId, OrderRecord> orders_;
  std::map<std::tuple<AccountId, std::string, std::string>, OrderId, std::less<>> by_client_id_;
  std::deque<OrderId> closed_order_ids_;
  std::map<AccountId, std::deque<TradeRecord>> trades_;
  int64_t next_exec_id_ = 1;
  uint64_t generated_ids_ = 0;

  std::map<SessionId, Session> sessions_;
  SessionId next_session_id_ = 1;

  int inject_count_ = 0;
  int inject_code_ = 0;
  int inject_http_ = 400;

  std::map<std::pair<std::string, std::string>, uint64_t> rest_requests_;  // (method, endpoint)
  std::map<std::string, uint64_t> ws_requests_;
  std::map<int, uint64_t> errors_by_code_;
  std::map<std::string, uint64_t> orders_by_result_;
  std::map<int, uint64_t> limited_by_status_;
  uint64_t signature_failures_ = 0;
  uint64_t injected_rejects_ = 0;
  uint64_t trades_total_ = 0;
  uint64_t user_events_ = 0;
  uint64_t deposits_ = 0;  // admin_deposit calls that credited an account
};

}  // namespace phoenix::sim
