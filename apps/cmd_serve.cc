// antispoof serve: the scoring service (src/antispoof/serve/server.h has the endpoints). Logs go to
// stderr: the address it listens on once the model is loaded, and at exit what it accepted and
// answered. SIGTERM or SIGINT drains it (queued requests are answered) and it exits 0.
#include <csignal>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <thread>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/config/config.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/metrics/calibration.h"
#include "antispoof/model/runtime.h"
#include "antispoof/serve/server.h"
#include "command.h"

namespace {
using antispoof::Error;
namespace serve = antispoof::serve;

struct ServeArgs {
  std::string config, checkpoint, calibration, device = "cpu";
  std::vector<antispoof::KeyFlag> key_flags;  // --precision
  double max_body_mb = 64;
  serve::ServeOptions options;
  antispoof::metrics::ScoreDecisionRule rule;  // --threshold, then --calibration
};

// Blocks SIGTERM and SIGINT in this thread and every thread it starts afterwards: they are taken by
// sigtimedwait in WaitForStop instead of killing the process mid-request.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the service
  return set;
}

// Until `done`: on SIGTERM/SIGINT, drains the server (Serve() then returns).
void WaitForStop(const sigset_t& set, serve::ScoringServer& server, const std::atomic<bool>& done) {
  const timespec tick{0, 100 * 1000 * 1000};
  while (!done) {
    const int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      std::fprintf(stderr, "serve: %s: no new requests; answering the queued ones, then exiting\n",
                   sig == SIGTERM ? "SIGTERM" : "SIGINT");
      server.Shutdown();
      return;
    }
  }
}

int RunServe(ServeArgs& a) {
  const sigset_t stop_signals = BlockStopSignals();
  antispoof::Config config = antispoof::LoadConfig(a.config);
  antispoof::ApplyKeyFlags(config, a.key_flags);
  if (!std::isfinite(a.max_body_mb) || a.max_body_mb <= 0) throw Error("--max-body-mb: must be a positive number");
  a.options.max_body_bytes = static_cast<int64_t>(a.max_body_mb * 1024 * 1024);
  a.options.Validate();
  antispoof::metrics::ScoreDecisionRule& rule = a.rule;
  rule.Validate("--threshold");
  if (!a.calibration.empty()) rule.calibration = antispoof::metrics::ReadCalibration(a.calibration);
  antispoof::model::ConfigureThreads(a.options.threads);
  auto net = antispoof::infer::LoadModel(config.model, a.checkpoint, antispoof::model::ParseDevice(a.device),
                                         config.train.precision);
  serve::ScoringServer server(a.options, net, rule);
  const int port = server.Bind();
  std::fprintf(stderr, "serve: %s ready on http://%s:%d (POST /v1/score; max batch %d, max wait %s ms, queue %d)\n",
               net->Name().c_str(), a.options.host.c_str(), port, a.options.max_batch,
               antispoof::ShortestDouble(a.options.max_wait_ms).c_str(), a.options.max_queue);
  std::atomic<bool> done{false};
  std::thread stopper([&] { WaitForStop(stop_signals, server, done); });
  server.Serve();
  done = true;
  stopper.join();
  std::fprintf(stderr, "serve: stopped: %llu scoring requests accepted, %llu answered\n",
               static_cast<unsigned long long>(server.accepted()), static_cast<unsigned long long>(server.answered()));
  return 0;
}

antispoof::cli::Registration reg{{"serve", "Serve a checkpoint over HTTP: POST /v1/score, /healthz, /readyz, /metrics",
                                  [](CLI::App& sub) {
  auto a = std::make_shared<ServeArgs>();
  auto& o = a->options;
  sub.add_option("-c,--config", a->config, "YAML config of the checkpoint's model")->required();
  sub.add_option("--checkpoint", a->checkpoint, ".pth weights (antispoof's or the reference's)")->required();
  sub.add_option("--calibration", a->calibration,
                 "Calibration file from `antispoof calibrate`: answers carry llr and a decision at its threshold");
  sub.add_option("--threshold", a->rule.threshold,
                 "Answers carry a decision: bonafide if score > T (on the LLR with --calibration: llr >= T); a "
                 "request's ?threshold= overrides it");
  sub.add_option("--host", o.host, "Address to listen on (127.0.0.1: this machine only)")->capture_default_str();
  sub.add_option("--port", o.port, "TCP port (0: any free port, printed on stderr)")->capture_default_str();
  sub.add_option("--max-batch", o.max_batch, "Windows per forward pass: concurrent requests are scored together")
      ->capture_default_str();
  sub.add_option("--max-wait-ms", o.max_wait_ms, "How long a request waits for others to share its batch")
      ->capture_default_str();
  sub.add_option("--max-queue", o.max_queue, "Requests waiting for a batch; more are refused with 503 and Retry-After")
      ->capture_default_str();
  sub.add_option("--max-audio-seconds", o.max_audio_seconds, "Longer audio is refused with 413")->capture_default_str();
  sub.add_option("--max-body-mb", a->max_body_mb, "Larger request bodies are refused with 413 (MiB)")
      ->capture_default_str();
  sub.add_option("--connections", o.connections, "Connections served at once (one thread each)")->capture_default_str();
  sub.add_option("--read-timeout", o.read_timeout_s, "Seconds a client may stay silent before it is disconnected")
      ->capture_default_str();
  sub.add_option("--threads", o.threads, "Intra-op threads of the model (0 = all cores)")->capture_default_str();
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N");
  antispoof::cli::AddKeyFlag(sub, a->key_flags, "--precision", "precision",
                             "fp32 (exact), bf16 or int8 (default: the config's precision)");
  return std::function<int()>([a] { return RunServe(*a); });
}, 27}};
}  // namespace
