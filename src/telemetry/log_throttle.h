#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "telemetry/log.h"

namespace phoenix::telemetry {

// Burst suppression for identical log lines. A line is identified by its level and its
// text after the timestamp ("event key=value ..."). The first line of a kind prints; the
// same line again within `window_ns` of the last printed one is suppressed and counted;
// the first one after the window prints and reports how many were suppressed in between.
// flush() reports bursts that ended with no later line. At most `max_keys` kinds are
// remembered: a new kind evicts the one printed longest ago (reporting its pending count).
//
// Owned by the logging backend (log.cc), which serializes every call with a mutex; the
// class itself is not thread-safe. Time comes in as arguments, so tests are deterministic.
class LogThrottle {
 public:
  static constexpr size_t kDefaultMaxKeys = 1024;

  // A burst that ended without a later line: `suppressed` lines of `event` at `level`.
  struct Summary {
    LogLevel level = LogLevel::kWarn;
    std::string event;
    uint64_t suppressed = 0;
  };

  struct Verdict {
    bool print = true;               // false: suppress this line
    uint64_t suppressed_before = 0;  // when printing: lines suppressed since the last print
    std::optional<Summary> evicted;  // a burst ended early by eviction, to report now
  };

  // window_ns <= 0 disables throttling (every line prints).
  explicit LogThrottle(int64_t window_ns, size_t max_keys = kDefaultMaxKeys);

  // Decides about one line: `line` is "event key=value ...", its event the first
  // `event_len` bytes; now_ns is monotonic time.
  Verdict on_line(LogLevel level, std::string_view line, size_t event_len, int64_t now_ns);

  // Summaries of bursts whose window has ended by now_ns (every pending burst when `all`),
  // oldest first; forgets those kinds and every idle one whose window has ended.
  std::vector<Summary> flush(int64_t now_ns, bool all);

  // Kinds currently remembered.
  size_t size() const { return index_.size(); }

 private:
  struct Node {
    std::string key;  // level byte + line
    LogLevel level;
    size_t event_len;
    int64_t printed_ns;
    uint64_t suppressed;
  };
  using NodeList = std::list<Node>;

  static Summary summary_of(const Node& node);

  int64_t window_ns_;
  size_t max_keys_;
  NodeList nodes_;                                                  // least recently printed first
  std::unordered_map<std::string_view, NodeList::iterator> index_;  // keys view nodes_[i].key
  std::string scratch_;  // the key being looked up, reused to avoid an allocation per line
};

}  // namespace phoenix::telemetry
