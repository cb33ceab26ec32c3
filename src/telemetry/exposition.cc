#include "telemetry/exposition.h"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace phoenix::telemetry {

namespace {

using Buffer = fmt::memory_buffer;

void append(Buffer& out, std::string_view s) { out.append(s.data(), s.data() + s.size()); }

void append_value(Buffer& out, double v) {
  if (std::isnan(v)) {
    append(out, "NaN");
  } else if (std::isinf(v)) {
    append(out, v > 0 ? "+Inf" : "-Inf");
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

void append_value(Buffer& out, const SampleValue& v) {
  if (const auto* u = std::get_if<uint64_t>(&v)) {
    fmt::format_to(std::back_inserter(out), "{}", *u);
  } else {
    append_value(out, std::get<double>(v));
  }
}

void append_escaped(Buffer& out, std::string_view s, bool quote) {
  for (char c : s) {
    switch (c) {
      case '\\': append(out, "\\\\"); break;
      case '\n': append(out, "\\n"); break;
      case '"':
        if (quote) {
          append(out, "\\\"");
        } else {
          out.push_back(c);
        }
        break;
      default: out.push_back(c);
    }
  }
}

// name{a="x",b="y"[,le="0.5"]} — the braces are omitted when there are no labels at all.
void append_series_name(Buffer& out, std::string_view name, std::string_view suffix, const Labels& labels,
                        const std::string* le = nullptr) {
  append(out, name);
  append(out, suffix);
  if (labels.empty() && le == nullptr) return;
  out.push_back('{');
  bool first = true;
  for (const auto& [label, value] : labels) {
    if (!first) out.push_back(',');
    first = false;
    append(out, label);
    append(out, "=\"");
    append_escaped(out, value, /*quote=*/true);
    out.push_back('"');
  }
  if (le != nullptr) {
    if (!first) out.push_back(',');
    append(out, "le=\"");
    append(out, *le);
    out.push_back('"');
  }
  out.push_back('}');
}

void append_family(Buffer& out, const FamilySnapshot& f) {
  append(out, "# HELP ");
  append(out, f.name);
  out.push_back(' ');
  append_escaped(out, f.help, /*quote=*/false);
  append(out, "\n# TYPE ");
  append(out, f.name);
  out.push_back(' ');
  append(out, to_string(f.type));
  out.push_back('\n');

  if (f.type != MetricType::kHistogram) {
    for (const auto& s : f.series) {
      append_series_name(out, f.name, "", s.labels);
      out.push_back(' ');
      append_value(out, s.value);
      out.push_back('\n');
    }
    return;
  }

  std::vector<std::string> les;
  les.reserve(f.upper_bounds.size() + 1);
  for (double b : f.upper_bounds) les.push_back(format_value(b));
  les.emplace_back("+Inf");
  for (const auto& s : f.series) {
    uint64_t total = 0;
    for (size_t i = 0; i < les.size(); ++i) {
      // Tolerate a short counts vector (a hand-built snapshot) by repeating the last count.
      if (i < s.cumulative_counts.size()) total = s.cumulative_counts[i];
      append_series_name(out, f.name, "_bucket", s.labels, &les[i]);
      fmt::format_to(std::back_inserter(out), " {}\n", total);
    }
    append_series_name(out, f.name, "_sum", s.labels);
    out.push_back(' ');
    append_value(out, s.sum);
    out.push_back('\n');
    append_series_name(out, f.name, "_count", s.labels);
    fmt::format_to(std::back_inserter(out), " {}\n", total);
  }
}

}  // namespace

std::string format_value(double v) {
  Buffer out;
  append_value(out, v);
  return fmt::to_string(out);
}

std::string escape_label_value(std::string_view s) {
  Buffer out;
  append_escaped(out, s, /*quote=*/true);
  return fmt::to_string(out);
}

std::string escape_help(std::string_view s) {
  Buffer out;
  append_escaped(out, s, /*quote=*/false);
  return fmt::to_string(out);
}

std::string format_text(std::span<const FamilySnapshot> families) {
  Buffer out;
  for (const auto& f : families) append_family(out, f);
  return fmt::to_string(out);
}

std::string expose(const Registry& registry) {
  const auto families = registry.collect();
  return format_text(families);
}

}  // namespace phoenix::telemetry
