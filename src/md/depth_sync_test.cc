#include "md/depth_sync.h"

#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/clock.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace phoenix::md {
namespace {

using ::testing::HasSubstr;

// The exchange's book as a plain std::map per side: the reference every synced book is
// compared with.
struct RefBook {
  std::map<int64_t, int64_t, std::greater<>> bids;  // best (highest) first
  std::map<int64_t, int64_t> asks;                  // best (lowest) first
};

// One diff-depth event, owning its levels.
struct Event {
  uint64_t first_id = 0;
  uint64_t final_id = 0;
  std::vector<core::Level> bids;
  std::vector<core::Level> asks;

  core::DepthDiff diff() const {
    core::DepthDiff d;
    d.symbol = 0;
    d.first_update_id = first_id;
    d.final_update_id = final_id;
    d.bids = bids;
    d.asks = asks;
    return d;
  }
};

// A REST snapshot, owning its levels.
struct Snapshot {
  uint64_t last_update_id = 0;
  std::vector<core::Level> bids;  // best first
  std::vector<core::Level> asks;

  core::DepthSnapshot view() const {
    core::DepthSnapshot s;
    s.symbol = 0;
    s.last_update_id = last_update_id;
    s.bids = bids;
    s.asks = asks;
    return s;
  }
};

// A seeded random exchange: each event changes 1-6 levels, mostly near the top, and
// advances the update id by 1-3 per level. Bids stay below 10000 and asks above it, so the
// true book never crosses. Keeps the reference state after each of the last events.
class MarketGenerator {
 public:
  explicit MarketGenerator(uint64_t seed, uint64_t first_id = 1000) : rng_(seed), id_(first_id) {
    for (int64_t i = 0; i < 150; ++i) {
      book_.bids[9999 - i] = 1 + i;
      book_.asks[10001 + i] = 1 + i;
    }
    remember();
  }

  Event next() {
    Event e;
    e.first_id = id_ + 1;
    const uint64_t changes = 1 + rng_() % 6;
    for (uint64_t c = 0; c < changes; ++c) {
      id_ += 1 + rng_() % 3;
      const bool bid = (rng_() & 1) != 0;
      const int64_t depth = static_cast<int64_t>(rng_() % 8 == 0 ? rng_() % 300 : rng_() % 15);
      const int64_t price = bid ? 9999 - depth : 10001 + depth;
      const int64_t qty = rng_() % 3 == 0 ? 0 : static_cast<int64_t>(1 + rng_() % 500);
      (bid ? e.bids : e.asks).push_back(core::Level{core::Price(price), core::Qty(qty)});
      if (bid) {
        set(book_.bids, price, qty);
      } else {
        set(book_.asks, price, qty);
      }
    }
    e.final_id = id_;
    remember();
    return e;
  }

  Snapshot snapshot() const {
    Snapshot s;
    s.last_update_id = id_;
    for (const auto& [p, q] : book_.bids) s.bids.push_back(core::Level{core::Price(p), core::Qty(q)});
    for (const auto& [p, q] : book_.asks) s.asks.push_back(core::Level{core::Price(p), core::Qty(q)});
    return s;
  }

  // The true book as of update id `id` (one of the recent events' final ids).
  const RefBook* state_at(uint64_t id) const {
    for (const auto& [u, book] : history_) {
      if (u == id) return &book;
    }
    return nullptr;
  }
  const RefBook& current() const { return book_; }
  uint64_t id() const { return id_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  template <class Map>
  static void set(Map& m, int64_t price, int64_t qty) {
    if (qty == 0) {
      m.erase(price);
    } else {
      m[price] = qty;
    }
  }
  void remember() {
    history_.emplace_back(id_, book_);
    if (history_.size() > 512) history_.pop_front();
  }

  std::mt19937_64 rng_;
  uint64_t id_;
  RefBook book_;
  std::deque<std::pair<uint64_t, RefBook>> history_;
};

// Empty string when equal, else the first difference.
std::string compare(const DepthBook& book, const RefBook& ref) {
  auto side = [](LevelsView got, const auto& want, const char* name) -> std::string {
    if (got.size() != want.size()) {
      return std::string(name) + " levels " + std::to_string(got.size()) +
             " != " + std::to_string(want.size());
    }
    size_t i = 0;
    for (const auto& [p, q] : want) {
      if (got[i].price.units() != p || got[i].qty.units() != q) {
        return std::string(name) + " level " + std::to_string(i) + ": " +
               std::to_string(got[i].price.units()) + "x" + std::to_string(got[i].qty.units()) +
               " != " + std::to_string(p) + "x" + std::to_string(q);
      }
      ++i;
    }
    return {};
  };
  std::string out = side(book.bids(), ref.bids, "bid");
  if (out.empty()) out = side(book.asks(), ref.asks, "ask");
  return out;
}

class DepthSyncTest : public ::testing::Test {
 protected:
  DepthSyncTest() : gen_(7), sync_(0, "ETHUSDC", clock_, &registry_) {}

  // Generates n events, returned for the test to deliver as it likes.
  std::vector<Event> events(size_t n) {
    std::vector<Event> out;
    for (size_t i = 0; i < n; ++i) out.push_back(gen_.next());
    return out;
  }

  void expect_matches_reference() {
    ASSERT_TRUE(sync_.synced());
    const RefBook* ref = gen_.state_at(sync_.book_id());
    ASSERT_NE(ref, nullptr) << "no reference state at book id " << sync_.book_id();
    EXPECT_EQ(compare(sync_.book(), *ref), "");
  }

  uint64_t resync_metric(std::string_view reason) {
    for (const auto& family : registry_.collect()) {
      if (family.name != "phoenix_md_book_resyncs_total") continue;
      for (const auto& series : family.series) {
        for (const auto& label : series.labels) {
          if (label.name == "reason" && label.value == reason) return std::get<uint64_t>(series.value);
        }
      }
    }
    return 0;
  }

  core::ManualClock clock_;
  telemetry::Registry registry_;
  MarketGenerator gen_;
  DepthSync sync_;
};

TEST_F(DepthSyncTest, NormalFlow) {
  auto ev = events(2);
  // The first diff asks for a snapshot; later ones only buffer.
  SyncEvents r = sync_.on_diff(ev[0].diff());
  EXPECT_TRUE(r.request_snapshot);
  EXPECT_FALSE(r.book_changed);
  EXPECT_EQ(sync_.state(), SyncState::kAwaitingSnapshot);
  EXPECT_FALSE(sync_.on_diff(ev[1].diff()).request_snapshot);
  const Snapshot snap = gen_.snapshot();  // includes ev[0] and ev[1]
  auto more = events(2);
  EXPECT_FALSE(sync_.on_diff(more[0].diff()).request_snapshot);
  EXPECT_EQ(sync_.buffered_events(), 3u);
  clock_.advance_ms(250);
  r = sync_.on_snapshot(snap.view());
  EXPECT_TRUE(r.synced);
  EXPECT_TRUE(r.book_changed);
  EXPECT_FALSE(r.resync.has_value());
  EXPECT_EQ(sync_.book_id(), more[0].final_id);
  EXPECT_EQ(sync_.buffered_events(), 0u);
  expect_matches_reference();
  r = sync_.on_diff(more[1].diff());
  EXPECT_TRUE(r.book_changed);
  expect_matches_reference();
  for (const Event& e : events(50)) {
    EXPECT_TRUE(sync_.on_diff(e.diff()).book_changed);
    expect_matches_reference();
  }
  EXPECT_EQ(sync_.resyncs_total(), 0u);
  EXPECT_EQ(sync_.stats().snapshots_loaded, 1u);
  EXPECT_EQ(sync_.stats().diffs_buffered, 3u);
  EXPECT_EQ(sync_.stats().diffs_applied, 52u);  // the two diffs inside the snapshot were dropped
}

TEST_F(DepthSyncTest, SnapshotNewerThanEveryBufferedDiff) {
  auto ev = events(2);
  EXPECT_TRUE(sync_.on_diff(ev[0].diff()).request_snapshot);
  (void)sync_.on_diff(ev[1].diff());
  const SyncEvents r = sync_.on_snapshot(gen_.snapshot().view());  // includes both diffs
  EXPECT_TRUE(r.synced);
  EXPECT_EQ(sync_.book_id(), ev[1].final_id);
  expect_matches_reference();
  for (const Event& e : events(5)) (void)sync_.on_diff(e.diff());
  expect_matches_reference();
}

TEST_F(DepthSyncTest, SnapshotOlderThanFirstBufferedEventRefetches) {
  const Snapshot old = gen_.snapshot();
  (void)events(1);  // missed: sent before we subscribed
  auto ev = events(3);
  EXPECT_TRUE(sync_.on_diff(ev[0].diff()).request_snapshot);
  (void)sync_.on_diff(ev[1].diff());
  SyncEvents r = sync_.on_snapshot(old.view());  // lastUpdateId < U of the first buffered diff
  EXPECT_FALSE(r.synced);
  ASSERT_TRUE(r.resync.has_value());
  EXPECT_EQ(*r.resync, ResyncReason::kSnapshotTooOld);
  EXPECT_TRUE(r.request_snapshot);
  EXPECT_TRUE(sync_.snapshot_outstanding());
  EXPECT_EQ(sync_.buffered_events(), 2u);  // the buffer is kept for the next snapshot
  const Snapshot fresh = gen_.snapshot();
  (void)sync_.on_diff(ev[2].diff());
  r = sync_.on_snapshot(fresh.view());
  EXPECT_TRUE(r.synced);
  expect_matches_reference();
  EXPECT_EQ(sync_.resyncs(ResyncReason::kSnapshotTooOld), 1u);
  EXPECT_EQ(resync_metric("snapshot_too_old"), 1u);
  for (const Event& e : events(20)) (void)sync_.on_diff(e.diff());
  expect_matches_reference();
}

TEST_F(DepthSyncTest, GapTriggersResync) {
  auto ev = events(2);
  (void)sync_.on_diff(ev[0].diff());
  ASSERT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  (void)sync_.on_diff(ev[1].diff());  // already in the snapshot: ignored
  auto live = events(4);
  (void)sync_.on_diff(live[0].diff());
  expect_matches_reference();
  // live[1] is lost.
  SyncEvents r = sync_.on_diff(live[2].diff());
  ASSERT_TRUE(r.resync.has_value());
  EXPECT_EQ(*r.resync, ResyncReason::kGap);
  EXPECT_TRUE(r.request_snapshot);
  EXPECT_FALSE(r.book_changed);
  EXPECT_FALSE(sync_.synced());
  EXPECT_TRUE(sync_.book().empty());
  EXPECT_EQ(sync_.buffered_events(), 1u);  // the diff after the hole starts the new buffer
  EXPECT_EQ(sync_.resyncs(ResyncReason::kGap), 1u);
  EXPECT_EQ(resync_metric("gap"), 1u);
  const Snapshot snap = gen_.snapshot();
  (void)sync_.on_diff(live[3].diff());
  r = sync_.on_snapshot(snap.view());
  EXPECT_TRUE(r.synced);
  expect_matches_reference();
  for (const Event& e : events(20)) (void)sync_.on_diff(e.diff());
  expect_matches_reference();
}

TEST_F(DepthSyncTest, DuplicateIsIgnored) {
  auto ev = events(1);
  (void)sync_.on_diff(ev[0].diff());
  ASSERT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  auto live = events(3);
  (void)sync_.on_diff(live[0].diff());
  (void)sync_.on_diff(live[1].diff());
  const SyncEvents r = sync_.on_diff(live[1].diff());  // same U/u again
  EXPECT_FALSE(r.book_changed);
  EXPECT_FALSE(r.resync.has_value());
  EXPECT_EQ(sync_.stats().duplicate_diffs, 1u);
  expect_matches_reference();
  (void)sync_.on_diff(live[2].diff());
  expect_matches_reference();
  EXPECT_EQ(sync_.resyncs_total(), 0u);
}

TEST_F(DepthSyncTest, DuplicateWhileBufferingIsIgnored) {
  auto ev = events(2);
  (void)sync_.on_diff(ev[0].diff());
  (void)sync_.on_diff(ev[0].diff());
  (void)sync_.on_diff(ev[1].diff());
  EXPECT_EQ(sync_.buffered_events(), 2u);
  EXPECT_EQ(sync_.stats().duplicate_diffs, 1u);
  const Snapshot snap = gen_.snapshot();
  EXPECT_TRUE(sync_.on_snapshot(snap.view()).synced);
  expect_matches_reference();
}

TEST_F(DepthSyncTest, OlderDiffIsIgnored) {
  auto ev = events(1);
  (void)sync_.on_diff(ev[0].diff());
  ASSERT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  auto live = events(3);
  for (const Event& e : live) (void)sync_.on_diff(e.diff());
  const SyncEvents r = sync_.on_diff(live[0].diff());  // arrives late, out of order
  EXPECT_FALSE(r.book_changed);
  EXPECT_FALSE(r.resync.has_value());
  EXPECT_EQ(sync_.stats().stale_diffs, 1u);
  EXPECT_EQ(sync_.book_id(), live[2].final_id);
  expect_matches_reference();
}

TEST_F(DepthSyncTest, ReorderedNewerDiffIsAGap) {
  auto ev = events(1);
  (void)sync_.on_diff(ev[0].diff());
  ASSERT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  auto live = events(3);
  const SyncEvents r = sync_.on_diff(live[1].diff());  // before live[0]
  ASSERT_TRUE(r.resync.has_value());
  EXPECT_EQ(*r.resync, ResyncReason::kGap);
  EXPECT_EQ(sync_.buffered_events(), 1u);
  (void)sync_.on_diff(live[0].diff());  // older than the buffered one: ignored
  EXPECT_EQ(sync_.buffered_events(), 1u);
  (void)sync_.on_diff(live[2].diff());
  EXPECT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  expect_matches_reference();
}

TEST_F(DepthSyncTest, GapInsideTheBufferRestartsIt) {
  auto ev = events(4);
  (void)sync_.on_diff(ev[0].diff());
  (void)sync_.on_diff(ev[1].diff());
  const SyncEvents r = sync_.on_diff(ev[3].diff());  // ev[2] lost while buffering
  ASSERT_TRUE(r.resync.has_value());
  EXPECT_EQ(*r.resync, ResyncReason::kGap);
  EXPECT_FALSE(r.request_snapshot);  // the first request is still outstanding
  EXPECT_EQ(sync_.buffered_events(), 1u);
  // The outstanding snapshot, taken before ev[3]... is too old for the new buffer.
  const Snapshot snap_after_1 = MarketGenerator(7).snapshot();  // a stale one, before ev[0]
  const SyncEvents too_old = sync_.on_snapshot(snap_after_1.view());
  EXPECT_EQ(too_old.resync, ResyncReason::kSnapshotTooOld);
  EXPECT_TRUE(too_old.request_snapshot);
  EXPECT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  expect_matches_reference();
}

TEST_F(DepthSyncTest, CrossedBookTriggersResync) {
  auto ev = events(1);
  (void)sync_.on_diff(ev[0].diff());
  ASSERT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  // A diff that does not match the exchange: a bid above the best ask.
  Event bad;
  bad.first_id = gen_.id() + 1;
  bad.final_id = gen_.id() + 1;
  bad.bids.push_back(core::Level{core::Price(20000), core::Qty(1)});
  const SyncEvents r = sync_.on_diff(bad.diff());
  ASSERT_TRUE(r.resync.has_value());
  EXPECT_EQ(*r.resync, ResyncReason::kCrossed);
  EXPECT_TRUE(r.request_snapshot);
  EXPECT_FALSE(sync_.synced());
  EXPECT_TRUE(sync_.book().empty());
  EXPECT_EQ(resync_metric("crossed"), 1u);
  // The exchange goes on; a fresh snapshot brings the book back to the truth.
  for (const Event& e : events(2)) (void)sync_.on_diff(e.diff());
  EXPECT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  expect_matches_reference();
  for (const Event& e : events(10)) (void)sync_.on_diff(e.diff());
  expect_matches_reference();
}

TEST_F(DepthSyncTest, CrossedSnapshotIsRefused) {
  auto ev = events(1);
  (void)sync_.on_diff(ev[0].diff());
  Snapshot snap = gen_.snapshot();
  snap.bids.insert(snap.bids.begin(), core::Level{core::Price(20000), core::Qty(1)});
  const SyncEvents r = sync_.on_snapshot(snap.view());
  EXPECT_FALSE(r.synced);
  EXPECT_EQ(r.resync, ResyncReason::kCrossed);
  EXPECT_FALSE(sync_.synced());
  // The next diff asks again, and a good snapshot syncs.
  auto more = events(1);
  EXPECT_TRUE(sync_.on_diff(more[0].diff()).request_snapshot);
  EXPECT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  expect_matches_reference();
}

TEST(DepthSyncOverflowTest, BufferOverflowDropsAndRestarts) {
  core::ManualClock clock;
  DepthSyncOptions options;
  options.max_buffered_events = 4;
  DepthSync sync(0, "ETHUSDC", clock, nullptr, options);
  MarketGenerator gen(3);
  for (int i = 0; i < 4; ++i) (void)sync.on_diff(gen.next().diff());
  EXPECT_EQ(sync.buffered_events(), 4u);
  const SyncEvents r = sync.on_diff(gen.next().diff());
  EXPECT_EQ(r.resync, ResyncReason::kBufferOverflow);
  EXPECT_EQ(sync.resyncs(ResyncReason::kBufferOverflow), 1u);
  EXPECT_EQ(sync.buffered_events(), 1u);  // only the newest diff is kept
  EXPECT_FALSE(r.request_snapshot);       // the earlier request is still outstanding
  EXPECT_TRUE(sync.on_snapshot(gen.snapshot().view()).synced);
  EXPECT_EQ(compare(sync.book(), gen.current()), "");
}

TEST_F(DepthSyncTest, SnapshotWithNothingBufferedIsDiscarded) {
  const SyncEvents r = sync_.on_snapshot(gen_.snapshot().view());
  EXPECT_FALSE(r.synced);
  EXPECT_EQ(sync_.stats().snapshots_discarded, 1u);
  auto ev = events(1);
  EXPECT_TRUE(sync_.on_diff(ev[0].diff()).request_snapshot);
}

TEST_F(DepthSyncTest, FailedSnapshotWaitsForTheOwnerToRetry) {
  auto ev = events(3);
  EXPECT_TRUE(sync_.on_diff(ev[0].diff()).request_snapshot);
  sync_.on_snapshot_failed();
  EXPECT_FALSE(sync_.snapshot_outstanding());
  EXPECT_FALSE(sync_.on_diff(ev[1].diff()).request_snapshot);  // no hammering
  EXPECT_TRUE(sync_.request_snapshot().request_snapshot);      // after the owner's backoff
  EXPECT_FALSE(sync_.request_snapshot().request_snapshot);     // already outstanding
  (void)sync_.on_diff(ev[2].diff());
  EXPECT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  expect_matches_reference();
}

TEST_F(DepthSyncTest, ResetDiscardsTheBook) {
  auto ev = events(1);
  (void)sync_.on_diff(ev[0].diff());
  ASSERT_TRUE(sync_.on_snapshot(gen_.snapshot().view()).synced);
  const SyncEvents r = sync_.reset();
  EXPECT_EQ(r.resync, ResyncReason::kReconnect);
  EXPECT_FALSE(sync_.synced());
  EXPECT_TRUE(sync_.book().empty());
  EXPECT_EQ(resync_metric("reconnect"), 1u);
}

TEST_F(DepthSyncTest, InvalidDiffIsIgnored) {
  core::DepthDiff d;
  d.first_update_id = 10;
  d.final_update_id = 9;
  const SyncEvents r = sync_.on_diff(d);
  EXPECT_FALSE(r.request_snapshot);
  EXPECT_EQ(sync_.stats().invalid_diffs, 1u);
  EXPECT_EQ(sync_.buffered_events(), 0u);
}

// Long random run: drops (gaps), duplicates, swaps (reorders), late and failed snapshots.
// Whenever the book is synced it must equal the reference rebuilt from the full history.
TEST_F(DepthSyncTest, RandomFaultsAlwaysEndInTheReferenceBook) {
  std::mt19937_64 rng(20251112);
  std::optional<int> snapshot_in;  // events until the pending snapshot is served
  std::optional<int> retry_in;     // events until the owner retries a failed fetch
  std::optional<Event> held;       // an event held back to be delivered out of order
  Snapshot stale_snapshot = gen_.snapshot();
  size_t synced_checks = 0;
  size_t syncs = 0;
  constexpr int kEvents = 6000;
  constexpr int kCleanTail = 300;

  auto handle = [&](const SyncEvents& r) {
    if (r.request_snapshot) {
      ASSERT_FALSE(snapshot_in.has_value()) << "a second request while one is outstanding";
      snapshot_in = static_cast<int>(rng() % 6);
    }
    if (r.synced) ++syncs;
  };
  auto deliver = [&](const Event& e) {
    handle(sync_.on_diff(e.diff()));
    if (sync_.synced()) {
      const RefBook* ref = gen_.state_at(sync_.book_id());
      ASSERT_NE(ref, nullptr);
      ASSERT_EQ(compare(sync_.book(), *ref), "") << "book id " << sync_.book_id();
      ++synced_checks;
    }
  };

  for (int i = 0; i < kEvents; ++i) {
    const bool faults = i < kEvents - kCleanTail;
    if (i % 100 == 0) stale_snapshot = gen_.snapshot();
    Event e = gen_.next();
    const uint64_t dice = rng() % 1000;
    if (faults && dice < 8) {
      // dropped: a gap
    } else if (faults && dice < 16) {
      deliver(e);
      deliver(e);  // duplicate
    } else if (faults && dice < 24 && !held) {
      held = std::move(e);  // delivered after the next one
      continue;
    } else {
      deliver(e);
    }
    if (held) {
      deliver(*held);
      held.reset();
    }
    if (retry_in && --*retry_in <= 0) {
      retry_in.reset();
      handle(sync_.request_snapshot());
    }
    if (snapshot_in && --*snapshot_in <= 0) {
      snapshot_in.reset();
      const uint64_t kind = rng() % 20;
      if (faults && kind == 0) {
        sync_.on_snapshot_failed();
        retry_in = 3;
      } else if (faults && kind == 1) {
        handle(sync_.on_snapshot(stale_snapshot.view()));  // probably too old: refetch
      } else {
        handle(sync_.on_snapshot(gen_.snapshot().view()));
      }
      if (sync_.synced()) {
        const RefBook* ref = gen_.state_at(sync_.book_id());
        ASSERT_NE(ref, nullptr);
        ASSERT_EQ(compare(sync_.book(), *ref), "") << "after snapshot, book id " << sync_.book_id();
      }
    }
  }
  // After the clean tail the book is synced and current.
  ASSERT_TRUE(sync_.synced());
  EXPECT_EQ(sync_.book_id(), gen_.id());
  EXPECT_EQ(compare(sync_.book(), gen_.current()), "");
  EXPECT_GT(sync_.resyncs(ResyncReason::kGap), 10u);
  EXPECT_GT(sync_.stats().duplicate_diffs + sync_.stats().stale_diffs, 10u);
  EXPECT_EQ(syncs, sync_.stats().snapshots_loaded);
  EXPECT_GT(syncs, 10u);
  EXPECT_GT(synced_checks, static_cast<size_t>(kEvents / 2));
  EXPECT_EQ(resync_metric("gap"), sync_.resyncs(ResyncReason::kGap));
}

// The log lines, read back from a log file.
class DepthSyncLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "phoenix_md_log_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    telemetry::LogOptions o;
    o.file = (dir_ / "md.log").string();
    o.to_stderr = false;
    o.flush_interval_s = 0;
    o.throttle_window_ms = 0;
    o.clock = &clock_;
    ASSERT_TRUE(telemetry::init_logging(o).ok());
  }
  void TearDown() override {
    telemetry::shutdown_logging();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string finish() {
    telemetry::shutdown_logging();
    std::ifstream in(dir_ / "md.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  core::ManualClock clock_;
  std::filesystem::path dir_;
};

TEST_F(DepthSyncLogTest, ResyncAndSyncedLines) {
  MarketGenerator gen(11);
  DepthSync sync(0, "ETHUSDC", clock_);
  const Event e0 = gen.next();
  (void)sync.on_diff(e0.diff());
  clock_.advance_ms(340);
  const Snapshot snap = gen.snapshot();
  ASSERT_TRUE(sync.on_snapshot(snap.view()).synced);
  (void)gen.next();  // lost
  const Event e2 = gen.next();
  (void)sync.on_diff(e2.diff());
  const std::string log = finish();
  EXPECT_THAT(log, HasSubstr("INFO md_book_synced symbol=ETHUSDC last_update_id=" +
                             std::to_string(e0.final_id) + " levels_bid=" + std::to_string(snap.bids.size()) +
                             " levels_ask=" + std::to_string(snap.asks.size()) + " sync_ms=340"));
  EXPECT_THAT(
      log, HasSubstr("WARN md_book_resync symbol=ETHUSDC reason=gap book_id=" + std::to_string(e0.final_id) +
                     " first_update_id=" + std::to_string(e2.first_id)));
}

}  // namespace
}  // namespace phoenix::md
