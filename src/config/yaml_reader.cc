#include "config/yaml_reader.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "config/validation.h"

namespace phoenix::config::internal {
namespace {

constexpr std::string_view kSecretInYaml =
    "secrets must not be stored in the config file; name an environment variable "
    "(credentials.api_key_env / credentials.api_secret_env) or a file (credentials.secret_file)";

// Nodes visited by check_no_secret_keys at most: a few aliases can make a small text
// expand to an exponential tree ("billion laughs").
constexpr size_t kMaxWalkedNodes = 100000;

YAML::Mark mark_or(const YAML::Node& node, const YAML::Mark& fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark;
}

void walk_for_secrets(const YAML::Node& node, const std::string& path, Diagnostics& diag, size_t& budget) {
  if (budget == 0) return;
  --budget;
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) continue;
      const std::string& key = kv.first.Scalar();
      const std::string key_path = child_path(path, key);
      if (is_secret_key_name(key)) diag.add(kv.first.Mark(), key_path, std::string(kSecretInYaml));
      walk_for_secrets(kv.second, key_path, diag, budget);
    }
  } else if (node.IsSequence()) {
    size_t index = 0;
    for (const auto& item : node) walk_for_secrets(item, index_path(path, index++), diag, budget);
  }
}

std::string invalid_message(std::string_view expected, const YAML::Node& node) {
  return fmt::format("expected {}, got {}", expected, describe(node));
}

}  // namespace

void Diagnostics::add(const YAML::Mark& mark, std::string_view key_path, std::string_view message) {
  const int line = mark.is_null() ? 1 : mark.line + 1;
  const int column = mark.is_null() ? 1 : mark.column + 1;
  std::string text = fmt::format("{}:{}:{}: ", source_, line, column);
  if (!key_path.empty()) {
    text += key_path;
    text += ": ";
  }
  text += message;
  items_.push_back(Item{line, column, items_.size(), std::move(text)});
}

std::string Diagnostics::to_string() const {
  std::vector<const Item*> sorted;
  sorted.reserve(items_.size());
  for (const Item& item : items_) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(), [](const Item* a, const Item* b) {
    if (a->line != b->line) return a->line < b->line;
    if (a->column != b->column) return a->column < b->column;
    return a->order < b->order;
  });
  std::string out;
  const size_t shown = std::min(sorted.size(), kMaxReported);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += '\n';
    out += sorted[i]->text;
  }
  if (sorted.size() > shown) out += fmt::format("\n... and {} more problems", sorted.size() - shown);
  return out;
}

std::string quote(std::string_view text) {
  constexpr size_t kMaxShown = 80;
  std::string out = "\"";
  const std::string_view shown = text.substr(0, kMaxShown);
  for (char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          out += fmt::format("\\x{:02x}", byte);
        } else {
          out += c;
        }
    }
  }
  if (text.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined: return "nothing";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return quote(node.Scalar());
    case YAML::NodeType::Sequence: return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map: return node.size() == 0 ? "an empty map" : "a map";
  }
  return "nothing";
}

std::string child_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string index_path(std::string_view parent, size_t index) { return fmt::format("{}[{}]", parent, index); }

void check_no_secret_keys(const YAML::Node& root, Diagnostics& diag) {
  size_t budget = kMaxWalkedNodes;
  walk_for_secrets(root, "", diag, budget);
  if (budget == 0) {
    diag.add(root.Mark(), "", fmt::format("the document has more than {} nodes (aliases?)", kMaxWalkedNodes));
  }
}

MapReader::MapReader(const Field& field, std::span<const std::string_view> allowed, Diagnostics& diag)
    : path_(field.path), diag_(diag), mark_(field.mark) {
  const YAML::Node& node = field.node;
  if (!node.IsMap()) {
    diag_.add(mark_, path_, invalid_message("a map", node));
    return;
  }
  is_map_ = true;
  std::vector<std::pair<std::string, YAML::Mark>> seen;  // every scalar key, for duplicates
  for (const auto& kv : node) {
    const YAML::Node& key_node = kv.first;
    if (!key_node.IsScalar()) {
      diag_.add(mark_or(key_node, mark_), path_, invalid_message("a plain key", key_node));
      continue;
    }
    const std::string& key = key_node.Scalar();
    const YAML::Mark key_mark = mark_or(key_node, mark_);
    const auto previous =
        std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == key; });
    if (previous != seen.end()) {
      diag_.add(key_mark, child_path(path_, key),
                fmt::format("duplicate key (first at line {})", previous->second.line + 1));
      continue;
    }
    seen.emplace_back(key, key_mark);
    if (is_secret_key_name(key)) continue;  // reported by check_no_secret_keys
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string message = fmt::format("unknown key {}", quote(key));
      const std::string_view hint = suggest(key, allowed);
      if (!hint.empty()) {
        message += fmt::format("; did you mean {}?", quote(hint));
      } else {
        message += fmt::format(" (allowed keys: {})", fmt::join(allowed, ", "));
      }
      diag_.add(key_mark, child_path(path_, key), std::move(message));
      continue;
    }
    const YAML::Mark value_mark = kv.second.IsNull() ? key_mark : mark_or(kv.second, key_mark);
    entries_.emplace_back(key, Field{kv.second, value_mark, child_path(path_, key)});
  }
}

std::optional<Field> MapReader::get(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return value;
  }
  return std::nullopt;
}

std::optional<Field> MapReader::require(std::string_view key, std::string_view why) const {
  auto field = get(key);
  if (!field && is_map_) {
    std::string message = "required key is missing";
    if (!why.empty()) message += fmt::format(" ({})", why);
    diag_.add(mark_, path_of(key), std::move(message));
  }
  return field;
}

std::optional<int64_t> read_int_value(const Field& field, int64_t min, int64_t max, Diagnostics& diag) {
  if (field.node.IsScalar()) {
    auto value = parse_int(field.node.Scalar());
    if (value && *value >= min && *value <= max) return value;
  }
  diag.add(field.mark, field.path,
           invalid_message(fmt::format("an integer in {}..{}", min, max), field.node));
  return std::nullopt;
}

std::optional<bool> read_bool_value(const Field& field, Diagnostics& diag) {
  if (field.node.IsScalar()) {
    const std::string& text = field.node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  diag.add(field.mark, field.path, invalid_message("true or false", field.node));
  return std::nullopt;
}

std::optional<std::string> read_string_value(const Field& field, Diagnostics& diag) {
  if (field.node.IsScalar()) return field.node.Scalar();
  diag.add(field.mark, field.path, invalid_message("a string", field.node));
  return std::nullopt;
}

std::string DecimalRange::describe() const {
  if (max) {
    if (min_exclusive) return fmt::format("> {} and <= {}", min.to_string(), max->to_string());
    return fmt::format("in {}..{}", min.to_string(), max->to_string());
  }
  return fmt::format("{} {}", min_exclusive ? ">" : ">=", min.to_string());
}

bool DecimalRange::contains(const core::Decimal& value) const {
  if (min_exclusive ? !(value > min) : !(value >= min)) return false;
  return !max || value <= *max;
}

std::optional<core::Decimal> read_decimal_value(const Field& field, const DecimalRange& range,
                                                Diagnostics& diag) {
  if (field.node.IsScalar()) {
    auto value = core::Decimal::parse(field.node.Scalar());
    if (value && range.contains(*value)) return *value;
  }
  diag.add(field.mark, field.path,
           invalid_message(fmt::format("a decimal number {}", range.describe()), field.node));
  return std::nullopt;
}

std::string join_choices(std::span<const std::string_view> names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::optional<size_t> read_choice_value(const Field& field, std::span<const std::string_view> names,
                                        Diagnostics& diag) {
  if (field.node.IsScalar()) {
    const auto it = std::find(names.begin(), names.end(), field.node.Scalar());
    if (it != names.end()) return static_cast<size_t>(it - names.begin());
  }
  diag.add(field.mark, field.path,
           invalid_message(fmt::format("one of {}", join_choices(names)), field.node));
  return std::nullopt;
}

bool read_int(const MapReader& map, std::string_view key, int64_t min, int64_t max, int64_t* out) {
  auto field = map.get(key);
  if (!field) return false;
  auto value = read_int_value(*field, min, max, map.diag());
  if (!value) return false;
  *out = *value;
  return true;
}

bool read_int(const MapReader& map, std::string_view key, int min, int max, int* out) {
  int64_t wide = *out;
  if (!read_int(map, key, int64_t{min}, int64_t{max}, &wide)) return false;
  *out = static_cast<int>(wide);  // within [min, max], so it fits
  return true;
}

bool read_bool(const MapReader& map, std::string_view key, bool* out) {
  auto field = map.get(key);
  if (!field) return false;
  auto value = read_bool_value(*field, map.diag());
  if (!value) return false;
  *out = *value;
  return true;
}

bool read_string(const MapReader& map, std::string_view key, std::string* out) {
  auto field = map.get(key);
  if (!field) return false;
  auto value = read_string_value(*field, map.diag());
  if (!value) return false;
  *out = std::move(*value);
  return true;
}

bool read_decimal(const MapReader& map, std::string_view key, const DecimalRange& range, core::Decimal* out) {
  auto field = map.get(key);
  if (!field) return false;
  auto value = read_decimal_value(*field, range, map.diag());
  if (!value) return false;
  *out = *value;
  return true;
}

bool read_decimal(const MapReader& map, std::string_view key, const DecimalRange& range,
                  std::optional<core::Decimal>* out) {
  core::Decimal value;
  if (!read_decimal(map, key, range, &value)) return false;
  *out = value;
  return true;
}

}  // namespace phoenix::config::internal
