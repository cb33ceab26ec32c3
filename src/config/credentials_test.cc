#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/test_util.h"

namespace phoenix::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::lines_of;
using ::testing::Not;
using testing::TempDir;

constexpr std::string_view kPem =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAbcdefghijklmnopqrstuvwxyzABCDEFGHIJKL\n"
    "-----END PRIVATE KEY-----\n";

class CredentialsTest : public ::testing::Test {
 protected:
  // A config whose credentials block is `credentials_yaml` (indented body lines).
  static Config config_with(std::string_view credentials_yaml, bool dry_run = false) {
    std::string text = std::string("dry_run: ") + (dry_run ? "true" : "false") +
                       "\nexchange:\n  rest_url: http://127.0.0.1:1\n  ws_market_url: ws://127.0.0.1:1\n"
                       "  ws_api_url: ws://127.0.0.1:1\nsymbols: [{symbol: ETHUSDC, size_base: 1}]\n";
    if (!credentials_yaml.empty()) text += "credentials:\n" + std::string(credentials_yaml);
    auto config = parse_config(text, "t.yaml");
    EXPECT_TRUE(config.ok()) << config.error().message;
    return config.ok() ? *config : Config{};
  }
  static Config file_config(const std::string& path, std::string_view key_type = "hmac") {
    return config_with("  key_type: " + std::string(key_type) + "\n  secret_file: " + path + "\n");
  }
  // A getenv over a fixed map.
  static std::function<const char*(const char*)> env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }

  TempDir dir_;
};

TEST_F(CredentialsTest, SecretFileWithMode0600IsAccepted) {
  const std::string path = dir_.write("creds", "# Phoenix\napi_key=KEY123\n\napi_secret = SECRET456\n", 0600);
  auto creds = load_credentials(file_config(path));
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_EQ(creds->api_key.reveal(), "KEY123");
  EXPECT_EQ(creds->api_secret.reveal(), "SECRET456");
  EXPECT_EQ(creds->key_type, KeyType::kHmac);
  EXPECT_EQ(creds->source, "file " + path);
}

TEST_F(CredentialsTest, SecretFileReadableByOthersIsRefused) {
  const std::string path = dir_.write("creds", "api_key=KEY123\napi_secret=SECRET456\n", 0644);
  auto creds = load_credentials(file_config(path));
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.error().code, core::ErrorCode::kPermission);
  EXPECT_EQ(creds.error().message,
            "secret file " + path + " has mode 0644, so group or others may read it; run: chmod 600 " + path);
  EXPECT_THAT(creds.error().message, HasSubstr("chmod 600"));
  EXPECT_THAT(creds.error().message, Not(HasSubstr("SECRET456")));
}

TEST_F(CredentialsTest, SecretFileWritableByGroupIsRefused) {
  const std::string path = dir_.write("creds", "api_key=KEY123\napi_secret=SECRET456\n", 0620);
  auto creds = load_credentials(file_config(path));
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.error().code, core::ErrorCode::kPermission);
  EXPECT_THAT(creds.error().message, HasSubstr("mode 0620"));
}

TEST_F(CredentialsTest, MissingSecretFileIsAnError) {
  const std::string path = dir_.path() + "/nope";
  auto creds = load_credentials(file_config(path));
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(creds.error().message, "cannot open secret file " + path + ": No such file or directory");
}

TEST_F(CredentialsTest, MalformedSecretFileListsEveryProblemWithoutValues) {
  const std::string path =
      dir_.write("creds",
                 "api_key=KEY123\nthis line has no equals SECRETISH\napi_token=TOPSECRET\n"
                 "api_key=AGAIN\n",
                 0600);
  auto creds = load_credentials(file_config(path));
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(
      lines_of(creds.error().message),
      ElementsAre(
          path + ":2: expected key=value, got a line without '='",
          path + ":3: unknown key \"api_token\" (allowed keys: api_key, api_secret, private_key_file)",
          path + ":4: duplicate key api_key", path + ": expected an api_secret=... line"));
  EXPECT_THAT(creds.error().message, Not(HasSubstr("SECRETISH")));
  EXPECT_THAT(creds.error().message, Not(HasSubstr("TOPSECRET")));
}

TEST_F(CredentialsTest, SecretValueWithSpacesIsMalformed) {
  const std::string path = dir_.write("creds", "api_key=KEY 123\napi_secret=\n", 0600);
  auto creds = load_credentials(file_config(path));
  ASSERT_FALSE(creds.ok());
  EXPECT_THAT(
      lines_of(creds.error().message),
      ElementsAre(path + ":1: api_key: expected a non-empty value without spaces or control characters",
                  path + ":2: api_secret: expected a non-empty value without spaces or control characters"));
}

TEST_F(CredentialsTest, Ed25519SecretFileNamesAPrivateKeyFile) {
  const std::string pem = dir_.write("key.pem", kPem, 0600);
  const std::string path = dir_.write("creds", "api_key=KEY123\nprivate_key_file=key.pem\n", 0600);
  auto creds = load_credentials(file_config(path, "ed25519"));
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_EQ(creds->key_type, KeyType::kEd25519);
  EXPECT_EQ(creds->api_key.reveal(), "KEY123");
  EXPECT_EQ(creds->api_secret.reveal(), kPem);
  ASSERT_FALSE(pem.empty());
}

TEST_F(CredentialsTest, Ed25519PrivateKeyFileMustBePrivateAndPem) {
  const std::string pem = dir_.write("key.pem", kPem, 0640);
  const std::string path = dir_.write("creds", "api_key=KEY123\nprivate_key_file=" + pem + "\n", 0600);
  auto open_key = load_credentials(file_config(path, "ed25519"));
  ASSERT_FALSE(open_key.ok());
  EXPECT_EQ(open_key.error().code, core::ErrorCode::kPermission);
  EXPECT_EQ(
      open_key.error().message,
      "private key file " + pem + " has mode 0640, so group or others may read it; run: chmod 600 " + pem);

  const std::string not_pem = dir_.write("key2.pem", "hello\n", 0600);
  const std::string path2 = dir_.write("creds2", "api_key=KEY123\nprivate_key_file=key2.pem\n", 0600);
  auto bad = load_credentials(file_config(path2, "ed25519"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "private key file " + not_pem +
                ": expected a PEM private key (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE "
                "KEY-----)");
}

TEST_F(CredentialsTest, KeyTypeDecidesWhichSecretLineIsAllowed) {
  const std::string hmac = dir_.write("creds", "api_key=K\napi_secret=S\nprivate_key_file=key.pem\n", 0600);
  auto a = load_credentials(file_config(hmac));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message,
            hmac + ": private_key_file is only for credentials.key_type ed25519 (this is hmac)");
  const std::string ed = dir_.write("creds2", "api_key=K\napi_secret=S\n", 0600);
  auto b = load_credentials(file_config(ed, "ed25519"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message,
            ed + ": key_type is ed25519, so expected private_key_file=<path to PEM>, got api_secret");
}

TEST_F(CredentialsTest, EnvironmentVariablesViaInjectedGetenv) {
  const Config config = config_with("  api_key_env: MY_KEY\n  api_secret_env: MY_SECRET\n");
  auto creds = load_credentials(config, env({{"MY_KEY", "abc"}, {"MY_SECRET", "xyz"}}));
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_EQ(creds->api_key.reveal(), "abc");
  EXPECT_EQ(creds->api_secret.reveal(), "xyz");
  EXPECT_EQ(creds->source, "env MY_KEY, MY_SECRET");
}

TEST_F(CredentialsTest, UnsetOrEmptyEnvironmentVariablesAreErrors) {
  const Config config = config_with("  api_key_env: MY_KEY\n  api_secret_env: MY_SECRET\n");
  auto unset = load_credentials(config, env({}));
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error().code, core::ErrorCode::kNotFound);
  EXPECT_THAT(lines_of(unset.error().message),
              ElementsAre("credentials.api_key_env: environment variable MY_KEY is not set",
                          "credentials.api_secret_env: environment variable MY_SECRET is not set"));
  auto empty = load_credentials(config, env({{"MY_KEY", ""}, {"MY_SECRET", "x y"}}));
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(
      lines_of(empty.error().message),
      ElementsAre("credentials.api_key_env: environment variable MY_KEY is empty",
                  "credentials.api_secret_env: environment variable MY_SECRET is not an HMAC secret (spaces "
                  "or control characters)"));
}

TEST_F(CredentialsTest, Ed25519EnvironmentSecretMustBePem) {
  const Config config = config_with("  key_type: ed25519\n  api_key_env: K\n  api_secret_env: S\n");
  auto good = load_credentials(config, env({{"K", "abc"}, {"S", std::string(kPem)}}));
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->api_secret.reveal(), kPem);
  auto bad = load_credentials(config, env({{"K", "abc"}, {"S", "raw-bytes"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("environment variable S is not a PEM private key"));
}

TEST_F(CredentialsTest, DryRunWithoutCredentialsIsEmpty) {
  const Config config = config_with("", /*dry_run=*/true);
  auto creds = load_credentials(config, env({}));
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_TRUE(creds->api_key.empty());
  EXPECT_TRUE(creds->api_secret.empty());
}

TEST_F(CredentialsTest, LiveWithoutCredentialsIsAnError) {
  Config config = config_with("", /*dry_run=*/true);
  config.dry_run = false;  // a config built by hand, past the loader's own check
  auto creds = load_credentials(config, env({}));
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.error().message, "t.yaml: credentials: required unless dry_run is true");
}

TEST_F(CredentialsTest, DefaultGetenvReadsTheProcessEnvironment) {
  ASSERT_EQ(::setenv("PHOENIX_CONFIG_TEST_KEY", "k1", 1), 0);
  ASSERT_EQ(::setenv("PHOENIX_CONFIG_TEST_SECRET", "s1", 1), 0);
  auto creds = load_credentials(
      config_with("  api_key_env: PHOENIX_CONFIG_TEST_KEY\n  api_secret_env: PHOENIX_CONFIG_TEST_SECRET\n"));
  ::unsetenv("PHOENIX_CONFIG_TEST_KEY");
  ::unsetenv("PHOENIX_CONFIG_TEST_SECRET");
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_EQ(creds->api_key.reveal(), "k1");
}

}  // namespace
}  // namespace phoenix::config
