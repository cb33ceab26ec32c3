#include "telemetry/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace phoenix::telemetry {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

constexpr std::string_view kHistogramSuffixes[] = {"_bucket", "_sum", "_count"};

// Checks a metric's name and help; returns an empty string when fine, else the problem.
std::string check_name_and_help(std::string_view name, std::string_view help, MetricType type) {
  if (!is_valid_metric_name(name)) {
    return fmt::format("invalid metric name \"{}\": must match [a-zA-Z_:][a-zA-Z0-9_:]*", name);
  }
  if (type == MetricType::kCounter && !ends_with(name, "_total")) {
    return fmt::format("counter \"{}\": counter names must end in \"_total\"", name);
  }
  if (help.empty()) return fmt::format("metric \"{}\": help text must not be empty", name);
  if (!is_valid_utf8(help)) return fmt::format("metric \"{}\": help text is not valid UTF-8", name);
  return {};
}

// Sorts `labels` by name and checks them; returns an empty string when fine, else the problem.
std::string canonicalize_labels(std::string_view metric, MetricType type, Labels& labels) {
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& [name, value] = labels[i];
    if (!is_valid_label_name(name)) {
      return fmt::format(
          "metric \"{}\": invalid label name \"{}\": must match [a-zA-Z_][a-zA-Z0-9_]* and not start "
          "with \"__\"",
          metric, name);
    }
    if (type == MetricType::kHistogram && name == "le") {
      return fmt::format("histogram \"{}\": label name \"le\" is reserved for buckets", metric);
    }
    if (i > 0 && labels[i - 1].name == name) {
      return fmt::format("metric \"{}\": label \"{}\" given more than once", metric, name);
    }
    if (!is_valid_utf8(value)) {
      return fmt::format("metric \"{}\": value of label \"{}\" is not valid UTF-8", metric, name);
    }
  }
  return {};
}

std::vector<std::string> label_names(const Labels& labels) {
  std::vector<std::string> out;
  out.reserve(labels.size());
  for (const auto& [name, value] : labels) out.push_back(name);
  return out;
}

[[noreturn]] void throw_invalid(const std::string& message) {
  throw std::invalid_argument("metrics registry: " + message);
}

}  // namespace

std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

bool is_valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  if (!is_alpha(name[0]) && name[0] != '_' && name[0] != ':') return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == ':'; });
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  if (!is_alpha(name[0]) && name[0] != '_') return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

// ---- Histogram -------------------------------------------------------------------------

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

size_t Histogram::bucket_index(double v) const {
  const size_t n = bounds_.size();
  if (std::isnan(v)) return n;
  if (n <= 8) {
    size_t i = 0;
    while (i < n && v > bounds_[i]) ++i;
    return i;
  }
  return static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

uint64_t Histogram::count() const {
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) total += counts_[i].load(std::memory_order_relaxed);
  return total;
}

std::vector<double> exponential_buckets(double start, double factor, size_t count) {
  if (!(start > 0) || !std::isfinite(start) || !(factor > 1) || !std::isfinite(factor) || count < 1) {
    throw std::invalid_argument(fmt::format(
        "exponential_buckets(start={}, factor={}, count={}): need start > 0, factor > 1, count >= 1", start,
        factor, count));
  }
  std::vector<double> out;
  out.reserve(count);
  double v = start;
  for (size_t i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

std::vector<double> linear_buckets(double start, double width, size_t count) {
  if (!std::isfinite(start) || !(width > 0) || !std::isfinite(width) || count < 1) {
    throw std::invalid_argument(
        fmt::format("linear_buckets(start={}, width={}, count={}): need finite start, width > 0, count >= 1",
                    start, width, count));
  }
  std::vector<double> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(start + static_cast<double>(i) * width);
  return out;
}

// ---- SampleSink ------------------------------------------------------------------------

void SampleSink::counter(std::string_view name, std::string_view help, double value, Labels labels) {
  add(MetricType::kCounter, name, help, value, std::move(labels));
}

void SampleSink::gauge(std::string_view name, std::string_view help, double value, Labels labels) {
  add(MetricType::kGauge, name, help, value, std::move(labels));
}

void SampleSink::add(MetricType type, std::string_view name, std::string_view help, double value,
                     Labels labels) {
  if (!check_name_and_help(name, help, type).empty() || !canonicalize_labels(name, type, labels).empty()) {
    ++dropped_;
    return;
  }
  auto it = std::find_if(families_.begin(), families_.end(), [&](const auto& f) { return f.name == name; });
  if (it == families_.end()) {
    families_.push_back(FamilySnapshot{std::string(name), std::string(help), type, {}, {}});
    it = families_.end() - 1;
  } else if (it->type != type || it->help != help) {
    ++dropped_;
    return;
  }
  SeriesSnapshot s;
  s.labels = std::move(labels);
  s.value = value;
  it->series.push_back(std::move(s));
}

std::vector<FamilySnapshot> SampleSink::take() {
  for (auto& f : families_) {
    std::stable_sort(f.series.begin(), f.series.end(),
                     [](const auto& a, const auto& b) { return a.labels < b.labels; });
    // A repeated label set would be a duplicate series: keep the first.
    const auto dup = std::unique(f.series.begin(), f.series.end(),
                                 [](const auto& a, const auto& b) { return a.labels == b.labels; });
    dropped_ += static_cast<size_t>(f.series.end() - dup);
    f.series.erase(dup, f.series.end());
  }
  return std::exchange(families_, {});
}

// ---- Registry --------------------------------------------------------------------------

struct Registry::Family {
  MetricType type;
  std::string help;
  std::vector<double> upper_bounds;      // histograms
  std::vector<std::string> label_names;  // sorted; the same for every series
  // Keyed by sorted labels; std::map keeps exposition order stable, and unique_ptr keeps the
  // metric's address fixed when the map grows.
  std::map<Labels, std::unique_ptr<Counter>> counters;
  std::map<Labels, std::unique_ptr<Gauge>> gauges;
  std::map<Labels, std::unique_ptr<Histogram>> histograms;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family& Registry::family_for(std::string_view name, std::string_view help, MetricType type,
                                       const std::vector<double>* upper_bounds, const Labels& labels) {
  // Caller holds mu_ and has canonicalized `labels`.
  if (auto it = families_.find(name); it != families_.end()) {
    Family& f = *it->second;
    if (f.type != type) {
      throw_invalid(fmt::format("metric \"{}\" registered as {} and again as {}", name, to_string(f.type),
                                to_string(type)));
    }
    if (f.help != help) {
      throw_invalid(
          fmt::format("metric \"{}\" registered with help \"{}\" and again with \"{}\"", name, f.help, help));
    }
    if (upper_bounds != nullptr && f.upper_bounds != *upper_bounds) {
      throw_invalid(fmt::format("histogram \"{}\" registered with buckets [{}] and again with [{}]", name,
                                fmt::join(f.upper_bounds, ", "), fmt::join(*upper_bounds, ", ")));
    }
    if (f.label_names != label_names(labels)) {
      throw_invalid(fmt::format("metric \"{}\" registered with label names [{}] and again with [{}]", name,
                                fmt::join(f.label_names, ", "), fmt::join(label_names(labels), ", ")));
    }
    return f;
  }
  // A new family: its name must not collide with a histogram's series names.
  for (std::string_view suffix : kHistogramSuffixes) {
    if (ends_with(name, suffix)) {
      const auto base = name.substr(0, name.size() - suffix.size());
      if (auto it = families_.find(base);
          it != families_.end() && it->second->type == MetricType::kHistogram) {
        throw_invalid(fmt::format("metric \"{}\" clashes with the series of histogram \"{}\"", name, base));
      }
    }
    if (type == MetricType::kHistogram) {
      const std::string series = std::string(name) + std::string(suffix);
      if (families_.find(series) != families_.end()) {
        throw_invalid(fmt::format("histogram \"{}\" clashes with existing metric \"{}\"", name, series));
      }
    }
  }
  auto f = std::make_unique<Family>();
  f->type = type;
  f->help = std::string(help);
  if (upper_bounds != nullptr) f->upper_bounds = *upper_bounds;
  f->label_names = label_names(labels);
  return *families_.emplace(std::string(name), std::move(f)).first->second;
}

Counter& Registry::counter(std::string_view name, std::string_view help, Labels labels) {
  if (auto err = check_name_and_help(name, help, MetricType::kCounter); !err.empty()) throw_invalid(err);
  if (auto err = canonicalize_labels(name, MetricType::kCounter, labels); !err.empty()) throw_invalid(err);
  std::lock_guard lock(mu_);
  Family& f = family_for(name, help, MetricType::kCounter, nullptr, labels);
  auto& slot = f.counters[std::move(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, Labels labels) {
  if (auto err = check_name_and_help(name, help, MetricType::kGauge); !err.empty()) throw_invalid(err);
  if (auto err = canonicalize_labels(name, MetricType::kGauge, labels); !err.empty()) throw_invalid(err);
  std::lock_guard lock(mu_);
  Family& f = family_for(name, help, MetricType::kGauge, nullptr, labels);
  auto& slot = f.gauges[std::move(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds,
                               Labels labels) {
  if (auto err = check_name_and_help(name, help, MetricType::kHistogram); !err.empty()) throw_invalid(err);
  if (auto err = canonicalize_labels(name, MetricType::kHistogram, labels); !err.empty()) throw_invalid(err);
  if (!upper_bounds.empty() && upper_bounds.back() == std::numeric_limits<double>::infinity()) {
    upper_bounds.pop_back();
  }
  for (size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i])) {
      throw_invalid(fmt::format("histogram \"{}\": bucket bound {} is not finite", name, upper_bounds[i]));
    }
    if (i > 0 && !(upper_bounds[i - 1] < upper_bounds[i])) {
      throw_invalid(fmt::format("histogram \"{}\": bucket bounds must be strictly increasing ({} then {})",
                                name, upper_bounds[i - 1], upper_bounds[i]));
    }
  }
  std::lock_guard lock(mu_);
  Family& f = family_for(name, help, MetricType::kHistogram, &upper_bounds, labels);
  auto& slot = f.histograms[std::move(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(upper_bounds));
  return *slot;
}

void Registry::add_collector(Collector collector) {
  if (!collector) throw_invalid("add_collector: empty collector");
  auto shared = std::make_shared<const Collector>(std::move(collector));
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(shared));
}

std::vector<FamilySnapshot> Registry::collect() const {
  std::vector<FamilySnapshot> out;
  std::vector<std::shared_ptr<const Collector>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
    out.reserve(families_.size());
    for (const auto& [name, f] : families_) {
      FamilySnapshot fs{name, f->help, f->type, f->upper_bounds, {}};
      switch (f->type) {
        case MetricType::kCounter:
          for (const auto& [labels, c] : f->counters) fs.series.push_back({labels, c->value(), {}, 0.0});
          break;
        case MetricType::kGauge:
          for (const auto& [labels, g] : f->gauges) fs.series.push_back({labels, g->value(), {}, 0.0});
          break;
        case MetricType::kHistogram:
          for (const auto& [labels, h] : f->histograms) {
            SeriesSnapshot s{labels, uint64_t{0}, h->bucket_counts(), h->sum()};
            uint64_t running = 0;
            for (auto& c : s.cumulative_counts) c = running += c;
            s.value = running;  // the count
            fs.series.push_back(std::move(s));
          }
          break;
      }
      out.push_back(std::move(fs));
    }
  }
  // Collectors run without the lock: they may be slow, and may even register metrics.
  SampleSink sink;
  for (const auto& c : collectors) (*c)(sink);
  const size_t registered = out.size();
  for (auto& f : sink.take()) {
    const auto clash =
        std::lower_bound(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(registered), f.name,
                         [](const FamilySnapshot& a, const std::string& n) { return a.name < n; });
    if (clash != out.begin() + static_cast<std::ptrdiff_t>(registered) && clash->name == f.name) continue;
    out.push_back(std::move(f));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace phoenix::telemetry
