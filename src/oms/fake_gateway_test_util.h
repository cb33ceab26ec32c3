#pragma once

// A fake ExchangeGateway for OMS tests: records every request; the test injects the
// results through the OrderManager's GatewayListener methods. Test thread only.

#include <string>
#include <vector>

#include "oms/gateway.h"

namespace phoenix::oms::testing {

class FakeGateway final : public ExchangeGateway {
 public:
  struct Query {
    core::SymbolId symbol;
    core::ClientOrderId client_id;
  };
  struct TradesRequest {
    core::SymbolId symbol;
    int64_t from_ms;
  };

  void set_listener(GatewayListener* listener) override { listener_ = listener; }
  Connectivity connectivity() const override { return {true, true}; }
  bool supports_amend() const override { return amend_supported; }
  void place(const PlaceOrder& order) override { places.push_back(order); }
  void cancel(const CancelOrder& order) override { cancels.push_back(order); }
  void cancel_replace(const ReplaceOrder& order) override { replaces.push_back(order); }
  void amend(const AmendOrder& order) override { amends.push_back(order); }
  void query_order(core::SymbolId symbol, const core::ClientOrderId& client_id) override {
    queries.push_back({symbol, client_id});
  }
  void request_open_orders(core::SymbolId symbol) override { open_orders_requests.push_back(symbol); }
  void request_trades(core::SymbolId symbol, int64_t from_ms) override {
    trades_requests.push_back({symbol, from_ms});
  }
  void request_balances() override {}
  void cancel_all(core::SymbolId symbol) override { cancel_alls.push_back(symbol); }

  size_t requests() const { return places.size() + cancels.size() + replaces.size() + amends.size(); }
  void clear() {
    places.clear();
    cancels.clear();
    replaces.clear();
    amends.clear();
    queries.clear();
    open_orders_requests.clear();
    trades_requests.clear();
    cancel_alls.clear();
  }

  bool amend_supported = true;
  std::vector<PlaceOrder> places;
  std::vector<CancelOrder> cancels;
  std::vector<ReplaceOrder> replaces;
  std::vector<AmendOrder> amends;
  std::vector<Query> queries;
  std::vector<core::SymbolId> open_orders_requests;
  std::vector<TradesRequest> trades_requests;
  std::vector<core::SymbolId> cancel_alls;

 private:
  GatewayListener* listener_ = nullptr;
};

}  // namespace phoenix::oms::testing
