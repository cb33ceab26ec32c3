#include "net/deflate_ext.h"

#include <charconv>

namespace phoenix::net {
namespace {

// RFC 7230 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

core::Error malformed(std::string_view header, std::string_view why) {
  return core::Error(core::ErrorCode::kParse, "malformed Sec-WebSocket-Extensions \"" + std::string(header) +
                                                  "\": " + std::string(why));
}

// A cursor over the header text.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void skip_ows() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool consume(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  std::string token() {
    std::string out;
    while (!done() && is_tchar(s_[i_])) out.push_back(lower(s_[i_++]));
    return out;
  }
  // A quoted-string after the opening '"'; false when unterminated.
  bool quoted(std::string& out) {
    while (!done()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (done()) return false;
        out.push_back(s_[i_++]);
      } else {
        out.push_back(c);
      }
    }
    return false;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

std::optional<int> parse_bits(const std::string& text) {
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.size() > 2 || text.front() == '0') {
    return std::nullopt;
  }
  return value;
}

core::Error refuse(std::string_view header, std::string_view why) {
  return core::Error(core::ErrorCode::kRejected, "cannot honour Sec-WebSocket-Extensions \"" +
                                                     std::string(header) + "\": " + std::string(why));
}

}  // namespace

core::Result<std::vector<ExtensionElement>> parse_extension_list(std::string_view header) {
  std::vector<ExtensionElement> out;
  Scanner sc(header);
  for (;;) {
    sc.skip_ows();
    if (sc.done()) break;
    if (sc.consume(',')) continue;  // empty list element
    ExtensionElement element;
    element.name = sc.token();
    if (element.name.empty()) return malformed(header, "expected an extension name");
    for (;;) {
      sc.skip_ows();
      if (sc.done() || sc.peek() == ',') break;
      if (!sc.consume(';')) return malformed(header, "expected ';' or ',' after \"" + element.name + "\"");
      sc.skip_ows();
      ExtensionParam param;
      param.name = sc.token();
      if (param.name.empty()) return malformed(header, "expected a parameter name after ';'");
      sc.skip_ows();
      if (sc.consume('=')) {
        sc.skip_ows();
        std::string value;
        if (sc.consume('"')) {
          if (!sc.quoted(value)) return malformed(header, "unterminated quoted value");
        } else {
          value = sc.token();
          if (value.empty()) return malformed(header, "expected a value after '='");
        }
        param.value = std::move(value);
      }
      element.params.push_back(std::move(param));
    }
    out.push_back(std::move(element));
    sc.skip_ows();
    if (!sc.done() && !sc.consume(',')) return malformed(header, "expected ','");
  }
  return out;
}

core::Result<NegotiatedExtensions> check_deflate_answer(std::string_view header, bool deflate_offered) {
  NegotiatedExtensions out;
  out.raw = std::string(header);
  auto list = parse_extension_list(header);
  if (!list) return std::move(list).error();
  bool seen_deflate = false;
  for (const ExtensionElement& element : *list) {
    if (element.name != "permessage-deflate") {
      out.other.push_back(element.name);
      continue;
    }
    if (!deflate_offered) return refuse(header, "permessage-deflate was not offered");
    if (seen_deflate) return refuse(header, "more than one permessage-deflate element");
    seen_deflate = true;
    DeflateParams& d = out.deflate;
    d.enabled = true;
    bool seen_smwb = false;
    bool seen_cmwb = false;
    for (const ExtensionParam& p : element.params) {
      if (p.name == "server_no_context_takeover" || p.name == "client_no_context_takeover") {
        bool& flag = p.name.front() == 's' ? d.server_no_context_takeover : d.client_no_context_takeover;
        if (flag) return refuse(header, "repeated " + p.name);
        if (p.value) return refuse(header, p.name + " takes no value");
        flag = true;
      } else if (p.name == "server_max_window_bits" || p.name == "client_max_window_bits") {
        const bool server = p.name.front() == 's';
        bool& seen = server ? seen_smwb : seen_cmwb;
        if (seen) return refuse(header, "repeated " + p.name);
        seen = true;
        if (!p.value) {
          if (server) return refuse(header, "server_max_window_bits needs a value");
          continue;  // a bare client_max_window_bits: our default (15) stands
        }
        const std::optional<int> bits = parse_bits(*p.value);
        if (!bits || *bits < 9 || *bits > 15) {
          return refuse(header, p.name + "=" + *p.value + " (only 9..15 can be honoured)");
        }
        (server ? d.server_max_window_bits : d.client_max_window_bits) = *bits;
      } else {
        return refuse(header, "unknown permessage-deflate parameter \"" + p.name + "\"");
      }
    }
  }
  return out;
}

std::string describe(const DeflateParams& params) {
  if (!params.enabled) return "none";
  std::string s = "permessage-deflate";
  if (params.server_no_context_takeover) s += "; server_no_context_takeover";
  if (params.client_no_context_takeover) s += "; client_no_context_takeover";
  s += "; server_max_window_bits=" + std::to_string(params.server_max_window_bits);
  s += "; client_max_window_bits=" + std::to_string(params.client_max_window_bits);
  return s;
}

}  // namespace phoenix::net
