#pragma once

// Helpers for the config unit tests only: a temporary directory, message splitting, and
// the loader tests' fixture (shared by loader_test.cc and loader_trading_test.cc).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "core/result.h"

namespace phoenix::config::testing {

// A fresh directory under /tmp (mkdtemp), removed with its contents on destruction.
// Owned by one test; single thread.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/phoenix_config_test.XXXXXX";
    const char* made = ::mkdtemp(pattern);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `content` to <dir>/<name> with exactly `mode` (umask does not apply) and
  // returns the full path, or "" on failure.
  std::string write(const std::string& name, std::string_view content, mode_t mode = 0600) const {
    const std::string file = path_ + "/" + name;
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return "";
    bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ok = ::fchmod(fd, mode) == 0 && ok;
    ok = ::close(fd) == 0 && ok;
    return ok ? file : "";
  }

 private:
  std::string path_;
};

// The lines of an error message.
inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// A small valid config: 10 lines, so text appended to it starts at line 11.
constexpr std::string_view kValid = R"(exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
  ws_api_url: ws://127.0.0.1:8090/ws-api/v3
credentials:
  api_key_env: PHOENIX_API_KEY
  api_secret_env: PHOENIX_API_SECRET
symbols:
  - symbol: ETHUSDC
    size_base: 0.01
)";

class ConfigLoaderTest : public ::testing::Test {
 protected:
  static core::Result<Config> parse(std::string_view text) { return parse_config(text, "t.yaml"); }
  static core::Result<Config> parse_with(std::string_view extra) {
    return parse(std::string(kValid) + std::string(extra));
  }
  // The error lines of a config that must fail validation.
  static std::vector<std::string> errors(std::string_view text) {
    auto result = parse(text);
    EXPECT_FALSE(result.ok());
    if (result.ok()) return {};
    EXPECT_EQ(result.error().code, core::ErrorCode::kInvalidArgument);
    return lines_of(result.error().message);
  }
  static std::vector<std::string> errors_with(std::string_view extra) {
    return errors(std::string(kValid) + std::string(extra));
  }
};

}  // namespace phoenix::config::testing
