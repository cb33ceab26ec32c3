#pragma once

// Test helpers shared by the market-stream and simulator tests: a recording stream
// subscriber, a Binance-style local book that follows the diff depth stream, and a
// promtool check of Prometheus text. Header-only, test code only.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <simdjson.h>
#include <unistd.h>

#include "core/decimal.h"
#include "sim/market_streams.h"

namespace phoenix::sim::testing {

struct Received {
  std::string stream;
  std::string raw;
  std::string combined;
};

class RecordingSubscriber : public StreamSubscriber {
 public:
  void on_stream_message(const StreamMessage& m) override {
    messages.push_back({std::string(m.stream), *m.raw, *m.combined});
  }
  std::vector<Received> of(std::string_view stream) const {
    std::vector<Received> out;
    for (const Received& r : messages)
      if (r.stream == stream) out.push_back(r);
    return out;
  }
  std::vector<Received> messages;
};

// One diff depth event, parsed.
struct DepthEvent {
  uint64_t first_id = 0;  // U
  uint64_t final_id = 0;  // u
  std::vector<std::pair<int64_t, int64_t>> bids;
  std::vector<std::pair<int64_t, int64_t>> asks;
};

inline bool parse_levels(simdjson::dom::element array, int scale,
                         std::vector<std::pair<int64_t, int64_t>>* out) {
  simdjson::dom::array levels;
  if (array.get_array().get(levels)) return false;
  for (simdjson::dom::element level : levels) {
    simdjson::dom::array pq;
    if (level.get_array().get(pq) || pq.size() != 2) return false;
    std::string_view p;
    std::string_view q;
    if (pq.at(0).get_string().get(p) || pq.at(1).get_string().get(q)) return false;
    auto pu = core::parse_units(p, scale);
    auto qu = core::parse_units(q, scale);
    if (!pu || !qu) return false;
    out->emplace_back(*pu, *qu);
  }
  return true;
}

inline bool parse_depth_event(const std::string& raw, int scale, DepthEvent* event) {
  static simdjson::dom::parser parser;  // tests are single-threaded
  simdjson::dom::element doc;
  if (parser.parse(raw).get(doc)) return false;
  uint64_t u0 = 0;
  uint64_t u1 = 0;
  if (doc["U"].get_uint64().get(u0) || doc["u"].get_uint64().get(u1)) return false;
  event->first_id = u0;
  event->final_id = u1;
  return parse_levels(doc["b"], scale, &event->bids) && parse_levels(doc["a"], scale, &event->asks);
}

// A client's local book following Binance's documented procedure: buffer events, take
// a snapshot, drop events with u <= lastUpdateId, check the first one straddles it, then
// require U == previous u + 1 (an event with u < book id is ignored).
class LocalBook {
 public:
  void buffer(const DepthEvent& e) { buffered_.push_back(e); }
  void load_snapshot(uint64_t last_update_id, const std::vector<BookLevel>& bids,
                     const std::vector<BookLevel>& asks) {
    book_id_ = last_update_id;
    for (const BookLevel& l : bids) bids_[l.price_units] = l.qty_units;
    for (const BookLevel& l : asks) asks_[l.price_units] = l.qty_units;
    synced_ = true;
    first_ = true;
    std::vector<DepthEvent> pending;
    pending.swap(buffered_);
    for (const DepthEvent& e : pending) apply(e);
  }
  // False (and stays broken) on a gap.
  bool apply(const DepthEvent& e) {
    if (!synced_) {
      buffer(e);
      return true;
    }
    if (broken_) return false;
    if (e.final_id <= book_id_) return true;  // old (or duplicate) event
    if (first_) {
      if (e.first_id > book_id_ + 1) return fail();
      first_ = false;
    } else if (e.first_id != book_id_ + 1) {
      return fail();
    }
    for (auto [p, q] : e.bids) set(&bids_, p, q);
    for (auto [p, q] : e.asks) set(&asks_, p, q);
    book_id_ = e.final_id;
    return true;
  }
  bool broken() const { return broken_; }
  uint64_t book_id() const { return book_id_; }
  std::vector<BookLevel> levels(Side side) const {
    std::vector<BookLevel> out;
    if (side == Side::kBuy) {
      for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) out.push_back({it->first, it->second});
    } else {
      for (const auto& [p, q] : asks_) out.push_back({p, q});
    }
    return out;
  }

 private:
  static void set(std::map<int64_t, int64_t>* side, int64_t p, int64_t q) {
    if (q == 0) {
      side->erase(p);
    } else {
      (*side)[p] = q;
    }
  }
  bool fail() {
    broken_ = true;
    return false;
  }
  std::vector<DepthEvent> buffered_;
  std::map<int64_t, int64_t> bids_;
  std::map<int64_t, int64_t> asks_;
  uint64_t book_id_ = 0;
  bool synced_ = false;
  bool first_ = true;
  bool broken_ = false;
};

inline bool same_levels(const std::vector<BookLevel>& a, const std::vector<BookLevel>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].price_units != b[i].price_units || a[i].qty_units != b[i].qty_units) return false;
  return true;
}

// Runs `promtool check metrics` over `text`; returns its exit status and output.
inline int promtool_check(const std::string& text, std::string* output) {
  char path[] = "/tmp/phoenix_sim_metrics_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return -1;
  ::close(fd);
  {
    std::ofstream f(path);
    f << text;
  }
  const std::string out_path = std::string(path) + ".out";
  const std::string cmd =
      "/usr/bin/promtool check metrics < " + std::string(path) + " > " + out_path + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(out_path);
  output->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::remove(path);
  std::remove(out_path.c_str());
  return rc;
}

}  // namespace phoenix::sim::testing
