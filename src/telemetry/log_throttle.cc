#include "telemetry/log_throttle.h"

#include <iterator>
#include <utility>

namespace phoenix::telemetry {

LogThrottle::LogThrottle(int64_t window_ns, size_t max_keys)
    : window_ns_(window_ns), max_keys_(max_keys == 0 ? 1 : max_keys) {}

LogThrottle::Summary LogThrottle::summary_of(const Node& node) {
  return Summary{node.level, node.key.substr(1, node.event_len), node.suppressed};
}

LogThrottle::Verdict LogThrottle::on_line(LogLevel level, std::string_view line, size_t event_len,
                                          int64_t now_ns) {
  Verdict verdict;
  if (window_ns_ <= 0) return verdict;
  scratch_.clear();
  scratch_.push_back(static_cast<char>('0' + static_cast<int>(level)));
  scratch_.append(line);

  auto found = index_.find(scratch_);
  if (found == index_.end()) {
    if (index_.size() >= max_keys_) {
      Node& oldest = nodes_.front();
      if (oldest.suppressed > 0) verdict.evicted = summary_of(oldest);
      index_.erase(oldest.key);
      nodes_.pop_front();
    }
    nodes_.push_back(Node{scratch_, level, event_len, now_ns, 0});
    auto it = std::prev(nodes_.end());
    index_.emplace(it->key, it);
    return verdict;
  }

  Node& node = *found->second;
  if (now_ns - node.printed_ns < window_ns_) {
    ++node.suppressed;
    verdict.print = false;
    return verdict;
  }
  verdict.suppressed_before = node.suppressed;
  node.suppressed = 0;
  node.printed_ns = now_ns;
  nodes_.splice(nodes_.end(), nodes_, found->second);  // iterators stay valid
  return verdict;
}

std::vector<LogThrottle::Summary> LogThrottle::flush(int64_t now_ns, bool all) {
  std::vector<Summary> out;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    const bool ended = all || now_ns - it->printed_ns >= window_ns_;
    if (!ended) {
      ++it;
      continue;
    }
    if (it->suppressed > 0) out.push_back(summary_of(*it));
    index_.erase(it->key);
    it = nodes_.erase(it);
  }
  return out;
}

}  // namespace phoenix::telemetry
