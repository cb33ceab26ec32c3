#pragma once

// ManagedWs: the long-lived WebSocket connection an owner (the market-data feed, a user
// data stream) uses. It wraps WsClient with a ReconnectPolicy, planned make-before-break
// rotation and the per-connection metrics.
//
//   class Feed : public net::ManagedWsHandler {
//     void on_open(const net::ManagedWsOpen& open) override {
//       ws_->send_text(R"({"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1})");
//     }
//     void on_message(std::string_view payload, int64_t recv_ns) override { decode(payload); }
//     void on_down(net::DownReason reason) override { mark_all_stale(reason); }
//   };
//   auto ws = net::ManagedWs::create(ioc, options, registry, clock, feed);  // Result
//   (*ws)->start();            // connects, reconnects with backoff until stop()
//   (*ws)->recycle(net::DownReason::kStale);          // every symbol stale: drop, reconnect
//   (*ws)->rotate(net::DownReason::kServerShutdown);  // serverShutdown event: replace early
//
// Rotation (rotate(), or automatically before max_lifetime_ms): a second connection is
// opened and on_open is called for it (rotation = true), so the owner subscribes on it
// while the old connection keeps delivering. Once the new one is live (its first message
// when live_on_first_message, else when the owner calls mark_live()), the old one is closed
// with reason rotate. There is no gap in data, but for a short time both connections
// deliver, so the owner may see the same update twice (books handle duplicates by update id).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "net/byte_meter.h"
#include "net/reconnect_policy.h"
#include "net/ws_client.h"
#include "telemetry/metrics.h"

namespace phoenix::net {

struct ManagedWsOptions {
  std::string url;                   // ws:// or wss://
  std::string ca_file;               // extra trusted CA (PEM) for wss://; "" = system store only
  WsClientOptions client;            // client.conn names logs and metric series
  ReconnectPolicyOptions reconnect;  // backoff, stability window, attempt budget
  // Replace the connection (make-before-break) this long after it opened; Binance cuts
  // connections at 24 h. 0 = never.
  int64_t max_lifetime_ms = (23 * 60 + 50) * 60 * 1000;
  // A rotation's new connection must become live within this, or it is abandoned (the old
  // one stays) and the rotation is retried after a backoff delay.
  int64_t rotate_timeout_ms = 30'000;
  // During a rotation, the new connection is live at its first message. Owners whose first
  // message is a SUBSCRIBE reply rather than data set this false and call mark_live().
  bool live_on_first_message = true;
  uint64_t seed = 0;  // backoff jitter seed; 0 = from std::random_device
};

// What on_open gets. The client is the connection that just opened.
struct ManagedWsOpen {
  const WsClient& client;
  uint64_t connection_id;  // 1, 2, 3 ... per ManagedWs
  bool rotation;           // true: the old connection is still delivering
};

// The owner's side. Called on the io_context thread; a callback may call any ManagedWs
// method (send_text in on_open is the normal use) but must not destroy the ManagedWs.
class ManagedWsHandler {
 public:
  virtual ~ManagedWsHandler() = default;
  // A connection opened: send subscriptions now with ManagedWs::send_text (they go to this
  // connection). Called for every reconnect and for the new connection of a rotation.
  virtual void on_open(const ManagedWsOpen& open) = 0;
  // A message from the live connection (or, during a rotation, from either). Same padding
  // guarantee as WsClientHandler::on_ws_message (kWsPayloadPaddingBytes readable after it).
  virtual void on_message(std::string_view payload, int64_t recv_ns) = 0;
  // Data stopped: the live connection went down (a reconnect is scheduled) or an attempt
  // failed. Not called for stop() or for a rotation.
  virtual void on_down(DownReason reason) = 0;
};

// See the file comment. Owned by its user; the io_context, registry, clock and handler must
// outlive it. Every method must be called on the io_context thread. Destroying it closes
// its sockets at once (no clean close) and guarantees no further callbacks.
class ManagedWs final : private WsClientHandler {
 public:
  enum class State { kIdle, kConnecting, kOpen, kBackoff, kStopping, kStopped };

  // Fails on a bad URL or an unusable TLS setup (CA file); registers the metric series.
  static core::Result<std::unique_ptr<ManagedWs>> create(boost::asio::io_context& ioc,
                                                         ManagedWsOptions options,
                                                         telemetry::Registry& registry,
                                                         const core::Clock& clock, ManagedWsHandler& handler);
  ~ManagedWs() override;
  ManagedWs(const ManagedWs&) = delete;
  ManagedWs& operator=(const ManagedWs&) = delete;

  // Connects (and keeps reconnecting). Also restarts after stop() has completed.
  void start();
  // Closes cleanly and stops reconnecting; state() becomes kStopped when the close is done.
  void stop();
  // Sends a text message (paced) on the newest open connection: the rotation's new one once
  // it opened, else the live one. False, and dropped, when nothing is open.
  bool send_text(std::string text);
  // Drops the live connection with `reason` and reconnects through the policy (e.g. the
  // owner saw every symbol stale: kStale).
  void recycle(DownReason reason);
  // Make-before-break replacement (kRotate, kServerShutdown). Ignored unless open and not
  // already rotating.
  void rotate(DownReason reason = DownReason::kRotate);
  // The rotation's new connection is delivering: close the old one.
  void mark_live();

  State state() const { return state_; }
  bool rotating() const { return candidate_ != nullptr; }
  // The delay of the pending reconnect (0 unless waiting to reconnect).
  int64_t current_backoff_ms() const;
  // Connection replacements so far (reconnects and rotations).
  uint64_t reconnects() const { return reconnects_; }
  // The live connection, or null.
  const WsClient* current() const { return primary_.get(); }
  WsMeters& meters() { return meters_; }

 private:
  struct Timers;

  ManagedWs(boost::asio::io_context& ioc, ManagedWsOptions options, WsUrl url,
            std::shared_ptr<boost::asio::ssl::context> tls, telemetry::Registry& registry,
            const core::Clock& clock, ManagedWsHandler& handler);

  void on_ws_open(WsClient& client) override;
  void on_ws_message(WsClient& client, std::string_view payload, int64_t recv_ns) override;
  void on_ws_closed(WsClient& client, const WsCloseInfo& info) override;

  std::unique_ptr<WsClient> make_client();
  void connect();
  void schedule_reconnect(DownReason reason, int64_t retry_after_ms);
  void promote();
  void arm_lifetime();
  void abandon_rotation(DownReason reason, int64_t retry_after_ms);
  void maybe_stopped();

  boost::asio::io_context& ioc_;
  ManagedWsOptions options_;
  WsUrl url_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  const core::Clock& clock_;
  ManagedWsHandler& handler_;
  WsMeters meters_;
  ReconnectPolicy policy_;
  std::unique_ptr<Timers> timers_;
  std::shared_ptr<char> life_;  // timers and posts hold a weak_ptr: expired = we are gone

  State state_ = State::kIdle;
  std::unique_ptr<WsClient> primary_;    // the live connection (or the attempt to get one)
  std::unique_ptr<WsClient> candidate_;  // a rotation's new connection
  std::unique_ptr<WsClient> retiring_;   // the old connection of a rotation, closing
  uint64_t primary_id_ = 0;
  uint64_t candidate_id_ = 0;
  DownReason rotate_reason_ = DownReason::kRotate;
  uint64_t next_connection_id_ = 1;
  uint64_t reconnects_ = 0;
};

std::string_view to_string(ManagedWs::State state);

}  // namespace phoenix::net
