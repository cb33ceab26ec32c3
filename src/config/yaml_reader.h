#pragma once

// The loader's building blocks: a collector of located problems (Diagnostics) and a
// strict reader of one YAML map (MapReader) with typed field readers. Internal to the
// config module. Nothing here throws: yaml-cpp calls that could throw are only made on
// nodes whose type was checked first, and the loader wraps everything in a catch.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/decimal.h"

namespace phoenix::config::internal {

// Problems found in one config document, each with a 1-based line:column and a key
// path. Owned by one load call; single thread.
class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  // Records "<source>:<line>:<col>: <key_path>: <message>". A null mark (a node that
  // does not come from the text) is shown as 1:1.
  void add(const YAML::Mark& mark, std::string_view key_path, std::string_view message);

  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::string& source() const { return source_; }

  // Every problem, ordered by position in the file, one per line (no trailing newline).
  // After kMaxReported lines, one "... and N more problems" line.
  std::string to_string() const;

  static constexpr size_t kMaxReported = 200;

 private:
  struct Item {
    int line;
    int column;
    size_t order;  // insertion order, to keep the sort stable per position
    std::string text;
  };
  std::string source_;
  std::vector<Item> items_;
};

// `text` in double quotes with \" \\ \n \t and \xNN escapes, cut after 80 characters.
std::string quote(std::string_view text);

// What a node is, for "got ...": the quoted scalar text, "a map", "a list" or "null".
std::string describe(const YAML::Node& node);

// "parent.key" (or "key" at the top level) and "parent[index]".
std::string child_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, size_t index);

// Reports every key in the document whose name looks like a secret (see
// is_secret_key_name) with the "secrets must not be stored in the config file" message.
// Walks at most a bounded number of nodes (aliases can make a document huge).
void check_no_secret_keys(const YAML::Node& root, Diagnostics& diag);

// One value read from the document: the node, where it is (the key's position when
// the value is empty, since yaml-cpp places an empty value at the next token), and
// its key path ("symbols[2].levels"). A value type, used on the loading thread only
// (yaml-cpp nodes share their document without locks).
struct Field {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;
};

// A strict view of one YAML map: on construction it reports a non-map node, unknown
// keys (with a "did you mean" hint), duplicate keys and non-scalar keys. Keys named
// like secrets are skipped here (check_no_secret_keys reports them). Lives for the
// duration of one load call; single thread.
class MapReader {
 public:
  // `field` should hold a map. `allowed` must outlive the reader.
  MapReader(const Field& field, std::span<const std::string_view> allowed, Diagnostics& diag);

  bool is_map() const { return is_map_; }
  // The value of `key` when the map has it (first occurrence).
  std::optional<Field> get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }
  // Like get(), and reports "<path.key>: required key is missing" when absent.
  std::optional<Field> require(std::string_view key, std::string_view why = {}) const;

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  const YAML::Mark& mark() const { return mark_; }
  Diagnostics& diag() const { return diag_; }

 private:
  std::string path_;
  Diagnostics& diag_;
  YAML::Mark mark_;
  bool is_map_ = false;
  std::vector<std::pair<std::string, Field>> entries_;  // allowed keys present
};

// Value readers. Each reads one field; on a bad value it reports a problem and returns
// nullopt.
std::optional<int64_t> read_int_value(const Field& field, int64_t min, int64_t max, Diagnostics& diag);
std::optional<bool> read_bool_value(const Field& field, Diagnostics& diag);
std::optional<std::string> read_string_value(const Field& field, Diagnostics& diag);

// An allowed range of decimals: min (inclusive, or exclusive when min_exclusive) and an
// optional inclusive max. A value type; any thread.
struct DecimalRange {
  core::Decimal min;
  bool min_exclusive = false;
  std::optional<core::Decimal> max;

  // "in 0..10000", "> 0 and <= 10000", ">= 0", "> 0".
  std::string describe() const;
  bool contains(const core::Decimal& value) const;
};
std::optional<core::Decimal> read_decimal_value(const Field& field, const DecimalRange& range,
                                                Diagnostics& diag);

// One of `names` (the YAML spellings); returns its index.
std::optional<size_t> read_choice_value(const Field& field, std::span<const std::string_view> names,
                                        Diagnostics& diag);

// "a, b or c"
std::string join_choices(std::span<const std::string_view> names);

// Map-field readers: when `key` is present and valid, store it in *out and return true;
// when absent, leave the default in *out; when invalid, report and leave *out.
bool read_int(const MapReader& map, std::string_view key, int64_t min, int64_t max, int64_t* out);
bool read_int(const MapReader& map, std::string_view key, int min, int max, int* out);
bool read_bool(const MapReader& map, std::string_view key, bool* out);
bool read_string(const MapReader& map, std::string_view key, std::string* out);
bool read_decimal(const MapReader& map, std::string_view key, const DecimalRange& range, core::Decimal* out);
bool read_decimal(const MapReader& map, std::string_view key, const DecimalRange& range,
                  std::optional<core::Decimal>* out);

// Enum reader over a table of values whose to_string() gives the YAML spelling.
template <class Enum, size_t N>
bool read_enum(const MapReader& map, std::string_view key, const std::array<Enum, N>& values, Enum* out) {
  auto field = map.get(key);
  if (!field) return false;
  std::array<std::string_view, N> names;
  for (size_t i = 0; i < N; ++i) names[i] = to_string(values[i]);
  auto index = read_choice_value(*field, names, map.diag());
  if (!index) return false;
  *out = values[*index];
  return true;
}

}  // namespace phoenix::config::internal
