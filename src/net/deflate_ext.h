#pragma once

// Sec-WebSocket-Extensions parsing and the permessage-deflate answer check (RFC 7692).
//
// WsClient performs the upgrade itself (Beast 1.81 could not report what the server agreed
// to, and applied the answer without checking it against the offer), so it reads the
// response's Sec-WebSocket-Extensions, parses it here and refuses answers it cannot honour,
// with a message that says why. Pure functions; any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace phoenix::net {

// One `name[=value]` parameter of an extension element; quoted values are unquoted.
struct ExtensionParam {
  std::string name;                  // lower-cased
  std::optional<std::string> value;  // nullopt when the parameter has no `=`
};

// One element of the list: `name; param; param=value`.
struct ExtensionElement {
  std::string name;  // lower-cased
  std::vector<ExtensionParam> params;
};

// Parses a Sec-WebSocket-Extensions value (RFC 7230 #list of RFC 6455 §9.1 elements):
// whitespace around ';', ',' and '=' is allowed, values may be tokens or quoted strings,
// empty list elements are skipped. An empty or all-whitespace header gives an empty list.
// Malformed text (a bad token, an unterminated quote, a dangling ';') is an error.
core::Result<std::vector<ExtensionElement>> parse_extension_list(std::string_view header);

// What a permessage-deflate agreement says, from the client's side. A value type.
struct DeflateParams {
  bool enabled = false;                     // the server accepted permessage-deflate
  bool server_no_context_takeover = false;  // the server resets its compressor per message
  bool client_no_context_takeover = false;  // we reset ours per message
  int server_max_window_bits = 15;          // the server's LZ77 window (our inflate window)
  int client_max_window_bits = 15;          // our compressor's window

  friend bool operator==(const DeflateParams&, const DeflateParams&) = default;
};

// The parsed answer: the raw header text, the deflate agreement and the names of any other
// extensions the server listed. A value type.
struct NegotiatedExtensions {
  std::string raw;  // the header as received ("" when absent)
  DeflateParams deflate;
  std::vector<std::string> other;  // names of extensions we did not offer (tolerated; see below)
};

// Checks the server's Sec-WebSocket-Extensions answer against what we offered.
//
// Accepted: no answer or no permessage-deflate element (compression off); a single
// permessage-deflate element with the parameters server_no_context_takeover,
// client_no_context_takeover (no values), server_max_window_bits=9..15,
// client_max_window_bits[=9..15], in any order and case, with any whitespace or quoting.
// A server that leaves out server_no_context_takeover although we asked for it is accepted
// (it keeps its context; inflating that costs us nothing extra). Elements for other
// extensions are listed in `other` and tolerated: the frame reader fails any frame that uses
// RSV2/RSV3, so an extension the server names but does not use is harmless.
//
// Refused, with a message saying why: malformed text; permessage-deflate when we did not
// offer it; more than one permessage-deflate element; unknown, repeated or malformed
// parameters (we could not know how the server compresses);
// window bits outside 9..15 (zlib cannot inflate a window-8 stream reliably, and Beast
// rejects 8 in its own options for the same reason).
core::Result<NegotiatedExtensions> check_deflate_answer(std::string_view header, bool deflate_offered);

// "permessage-deflate; server_no_context_takeover; ..." normalised text of an agreement, or
// "none" when compression is off. For logs.
std::string describe(const DeflateParams& params);

}  // namespace phoenix::net
