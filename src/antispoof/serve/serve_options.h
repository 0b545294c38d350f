// What `antispoof serve` is told: where to listen and how much load it takes before refusing.
#pragma once

#include <cstdint>
#include <string>

namespace antispoof::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                    // 0: any free port (the one chosen is printed on stderr)
  int max_batch = 32;                 // rows (windows) per forward pass
  double max_wait_ms = 10;            // how long the first queued request waits for others to join it
  int max_queue = 64;                 // requests waiting for a batch; one more is refused with 503
  double max_audio_seconds = 600;     // longer audio is refused with 413
  int64_t max_body_bytes = 64 << 20;  // larger bodies are refused with 413
  int connections = 256;              // connections served at once (one thread each)
  double read_timeout_s = 5;          // a client that sends nothing for this long is disconnected
  int threads = 0;                    // intra-op threads of the model (0: every core)

  // Error naming the flag ("--max-batch: must be at least 1") for any value out of range.
  void Validate() const;
};

}  // namespace antispoof::serve
