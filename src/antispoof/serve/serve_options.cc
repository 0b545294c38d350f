#include "antispoof/serve/serve_options.h"

#include <cmath>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::serve {
namespace {

void Require(bool ok, const char* flag, const std::string& rule) {
  if (!ok) Fail(std::string(flag) + ": " + rule);
}

}  // namespace

void ServeOptions::Validate() const {
  Require(!host.empty(), "--host", "must name an address to listen on (127.0.0.1 for this machine only)");
  Require(port >= 0 && port <= 65535, "--port", Format("%d is not a TCP port (0-65535; 0 picks a free one)", port));
  Require(max_batch >= 1 && max_batch <= 4096, "--max-batch", Format("%d is outside 1-4096", max_batch));
  Require(std::isfinite(max_wait_ms) && max_wait_ms >= 0 && max_wait_ms <= 10000, "--max-wait-ms",
          "must be a number of milliseconds in [0, 10000]");
  Require(max_queue >= 1 && max_queue <= 100000, "--max-queue", Format("%d is outside 1-100000", max_queue));
  Require(std::isfinite(max_audio_seconds) && max_audio_seconds > 0 && max_audio_seconds <= 24 * 3600,
          "--max-audio-seconds", "must be a number of seconds in (0, 86400]");
  Require(max_body_bytes >= 1024 && max_body_bytes <= (int64_t{4} << 30), "--max-body-mb",
          "must allow between 1 KiB and 4 GiB");
  Require(connections >= 1 && connections <= 10000, "--connections", Format("%d is outside 1-10000", connections));
  Require(std::isfinite(read_timeout_s) && read_timeout_s > 0 && read_timeout_s <= 3600, "--read-timeout",
          "must be a number of seconds in (0, 3600]");
  Require(threads >= 0, "--threads", Format("%d: must be 0 (every core) or a positive count", threads));
}

}  // namespace antispoof::serve
