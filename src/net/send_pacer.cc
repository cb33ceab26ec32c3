#include "net/send_pacer.h"

namespace phoenix::net {

SendPacer::SendPacer(const SendPacerOptions& options)
    : options_(options),
      own_limit_(options.max_frames_per_window == 0 ? 0
                 : options.max_frames_per_window > options.reserved_for_pongs
                     ? options.max_frames_per_window - options.reserved_for_pongs
                     : 1),
      log_((options.window_ms + options.margin_ms) * 1'000'000) {}

int64_t SendPacer::delay_ns(int64_t now_ns) { return log_.earliest_allowed(now_ns, own_limit_) - now_ns; }

int64_t SendPacer::pong_delay_ns(int64_t now_ns) {
  return log_.earliest_allowed(now_ns, options_.max_frames_per_window) - now_ns;
}

}  // namespace phoenix::net
