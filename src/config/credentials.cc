// load_credentials: resolves the API key and secret named by config.credentials from
// environment variables or a secret file. Secret values never appear in messages.

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace phoenix::config {
namespace {

using core::Error;
using core::ErrorCode;

constexpr size_t kMaxSecretFileBytes = size_t{64} * 1024;
constexpr std::string_view kPemBegin = "-----BEGIN PRIVATE KEY-----";
constexpr std::string_view kPemEnd = "-----END PRIVATE KEY-----";

// Every problem found while resolving, one per line; the code is the first problem's.
// Owned by one load_credentials call; single thread.
class Problems {
 public:
  void add(ErrorCode code, std::string message) {
    if (lines_.empty()) code_ = code;
    lines_.push_back(std::move(message));
  }
  bool empty() const { return lines_.empty(); }
  Error to_error() const { return Error{code_, fmt::format("{}", fmt::join(lines_, "\n"))}; }

 private:
  ErrorCode code_ = ErrorCode::kInvalidArgument;
  std::vector<std::string> lines_;
};

// Overwrites a buffer that held secret bytes before it is freed.
void wipe(std::string& buffer) {
  if (!buffer.empty()) explicit_bzero(buffer.data(), buffer.size());
  buffer.clear();
}

// A token such as an API key or HMAC secret: printable ASCII without spaces.
bool is_token(std::string_view value) {
  if (value.empty()) return false;
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) return false;
  }
  return true;
}

bool is_pem_private_key(std::string_view value) {
  const size_t begin = value.find(kPemBegin);
  return begin != std::string_view::npos &&
         value.find(kPemEnd, begin + kPemBegin.size()) != std::string_view::npos;
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Reads a file that holds secrets: it must be a regular file that only its owner may
// access (mode & 077 == 0). `what` names it in messages ("secret file").
core::Result<std::string> read_private_file(const std::string& path, std::string_view what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    const ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound
                           : (err == EACCES || err == EPERM) ? ErrorCode::kPermission
                                                             : ErrorCode::kIo;
    return Error{code,
                 fmt::format("cannot open {} {}: {}", what, path, std::generic_category().message(err))};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{ErrorCode::kInvalidArgument, fmt::format("{} {} is not a regular file", what, path)};
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return Error{ErrorCode::kPermission,
                 fmt::format("{} {} has mode {:04o}, so group or others may read it; run: chmod 600 {}", what,
                             path, st.st_mode & 07777, path)};
  }
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      explicit_bzero(buffer, sizeof(buffer));
      wipe(text);
      return Error{ErrorCode::kIo,
                   fmt::format("cannot read {} {}: {}", what, path, std::generic_category().message(err))};
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxSecretFileBytes) {
      ::close(fd);
      explicit_bzero(buffer, sizeof(buffer));
      wipe(text);
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("{} {} is larger than {} bytes", what, path, kMaxSecretFileBytes)};
    }
  }
  ::close(fd);
  explicit_bzero(buffer, sizeof(buffer));
  return text;
}

// `relative` resolved against the directory of `base_file` (unless absolute).
std::string resolve_beside(const std::string& base_file, const std::string& relative) {
  if (!relative.empty() && relative.front() == '/') return relative;
  const size_t slash = base_file.rfind('/');
  if (slash == std::string::npos) return relative;
  return base_file.substr(0, slash + 1) + relative;
}

// Parses the secret file's "key=value" lines.
void parse_secret_file(const std::string& path, const std::string& text, KeyType key_type, Credentials* out,
                       Problems& problems) {
  constexpr std::array<std::string_view, 3> kKeys = {"api_key", "api_secret", "private_key_file"};
  std::array<std::string, 3> values;
  std::array<bool, 3> seen{};
  size_t line_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line = trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      problems.add(ErrorCode::kInvalidArgument,
                   fmt::format("{}:{}: expected key=value, got a line without '='", path, line_number));
      continue;
    }
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    const auto it = std::find(kKeys.begin(), kKeys.end(), key);
    if (it == kKeys.end()) {
      problems.add(ErrorCode::kInvalidArgument,
                   fmt::format("{}:{}: unknown key {} (allowed keys: {})", path, line_number,
                               internal::quote(key), fmt::join(kKeys, ", ")));
      continue;
    }
    const auto index = static_cast<size_t>(it - kKeys.begin());
    if (seen[index]) {
      problems.add(ErrorCode::kInvalidArgument,
                   fmt::format("{}:{}: duplicate key {}", path, line_number, key));
      continue;
    }
    seen[index] = true;
    if (!is_token(value)) {
      problems.add(ErrorCode::kInvalidArgument,
                   fmt::format("{}:{}: {}: expected a non-empty value without spaces or control characters",
                               path, line_number, key));
      continue;
    }
    values[index] = std::string(value);
  }
  const bool has_key = seen[0];
  const bool has_secret = seen[1];
  const bool has_pem_file = seen[2];
  if (!has_key)
    problems.add(ErrorCode::kInvalidArgument, fmt::format("{}: expected an api_key=... line", path));
  if (key_type == KeyType::kHmac) {
    if (!has_secret) {
      problems.add(ErrorCode::kInvalidArgument, fmt::format("{}: expected an api_secret=... line", path));
    }
    if (has_pem_file) {
      problems.add(
          ErrorCode::kInvalidArgument,
          fmt::format("{}: private_key_file is only for credentials.key_type ed25519 (this is hmac)", path));
    }
  } else {
    if (has_secret) {
      problems.add(
          ErrorCode::kInvalidArgument,
          fmt::format("{}: key_type is ed25519, so expected private_key_file=<path to PEM>, got api_secret",
                      path));
    } else if (!has_pem_file) {
      problems.add(ErrorCode::kInvalidArgument,
                   fmt::format("{}: expected a private_key_file=<path to PEM> line", path));
    }
  }
  if (problems.empty()) {
    out->api_key = core::Secret(values[0]);
    if (key_type == KeyType::kHmac) {
      out->api_secret = core::Secret(values[1]);
    } else {
      const std::string pem_path = resolve_beside(path, values[2]);
      auto pem = read_private_file(pem_path, "private key file");
      if (!pem) {
        problems.add(pem.error().code, pem.error().message);
      } else if (!is_pem_private_key(*pem)) {
        problems.add(ErrorCode::kInvalidArgument,
                     fmt::format("private key file {}: expected a PEM private key ({} ... {})", pem_path,
                                 kPemBegin, kPemEnd));
        wipe(*pem);
      } else {
        out->api_secret = core::Secret(*pem);
        wipe(*pem);
      }
    }
  }
  for (std::string& v : values) wipe(v);
}

void resolve_env(const CredentialsConfig& creds, const std::function<const char*(const char*)>& getenv_fn,
                 Credentials* out, Problems& problems) {
  const char* key = getenv_fn(creds.api_key_env.c_str());
  const char* secret = getenv_fn(creds.api_secret_env.c_str());
  if (key == nullptr) {
    problems.add(
        ErrorCode::kNotFound,
        fmt::format("credentials.api_key_env: environment variable {} is not set", creds.api_key_env));
  } else if (!is_token(key)) {
    problems.add(ErrorCode::kInvalidArgument,
                 fmt::format("credentials.api_key_env: environment variable {} is {}", creds.api_key_env,
                             *key == '\0' ? "empty" : "not an API key (spaces or control characters)"));
  }
  if (secret == nullptr) {
    problems.add(
        ErrorCode::kNotFound,
        fmt::format("credentials.api_secret_env: environment variable {} is not set", creds.api_secret_env));
  } else if (*secret == '\0') {
    problems.add(
        ErrorCode::kInvalidArgument,
        fmt::format("credentials.api_secret_env: environment variable {} is empty", creds.api_secret_env));
  } else if (creds.key_type == KeyType::kHmac && !is_token(secret)) {
    problems.add(
        ErrorCode::kInvalidArgument,
        fmt::format("credentials.api_secret_env: environment variable {} is not an HMAC secret (spaces "
                    "or control characters)",
                    creds.api_secret_env));
  } else if (creds.key_type == KeyType::kEd25519 && !is_pem_private_key(secret)) {
    problems.add(
        ErrorCode::kInvalidArgument,
        fmt::format("credentials.api_secret_env: environment variable {} is not a PEM private key ({} ... "
                    "{}), as key_type ed25519 needs",
                    creds.api_secret_env, kPemBegin, kPemEnd));
  }
  if (problems.empty()) {
    out->api_key = core::Secret(key);
    out->api_secret = core::Secret(secret);
  }
}

}  // namespace

core::Result<Credentials> load_credentials(const Config& config,
                                           std::function<const char*(const char*)> getenv_fn) {
  if (!getenv_fn) {
    // Start-up only, before any thread that could call setenv exists.
    getenv_fn = [](const char* name) -> const char* {
      return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    };
  }
  Credentials out;
  if (!config.credentials) {
    if (config.dry_run) {
      out.source = "none (dry_run)";
      return out;
    }
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("{}: credentials: required unless dry_run is true", config.source)};
  }
  const CredentialsConfig& creds = *config.credentials;
  out.key_type = creds.key_type;
  Problems problems;
  try {
    if (!creds.secret_file.empty()) {
      out.source = fmt::format("file {}", creds.secret_file);
      auto text = read_private_file(creds.secret_file, "secret file");
      if (!text) return std::move(text).error();
      parse_secret_file(creds.secret_file, *text, creds.key_type, &out, problems);
      wipe(*text);
    } else if (!creds.api_key_env.empty() && !creds.api_secret_env.empty()) {
      out.source = fmt::format("env {}, {}", creds.api_key_env, creds.api_secret_env);
      resolve_env(creds, getenv_fn, &out, problems);
    } else {
      problems.add(
          ErrorCode::kInvalidArgument,
          "credentials: expected either api_key_env and api_secret_env, or secret_file, got neither");
    }
  } catch (const std::exception& e) {
    return Error{ErrorCode::kInternal, fmt::format("cannot load credentials: {}", e.what())};
  }
  if (!problems.empty()) return problems.to_error();
  return out;
}

}  // namespace phoenix::config
