#include "antispoof/serve/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <cmath>
#include <new>
#include <thread>
#include <utility>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/infer/windowed_scoring.h"
#include "antispoof/serve/batcher.h"
#include "antispoof/serve/score_request.h"

namespace antispoof::serve {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kBodyName = "request body";

// An answer other than 200, with the status it goes out with.
struct HttpError : Error {
  HttpError(int status, const std::string& message, int retry_after_s = 0)
      : Error(message), status(status), retry_after_s(retry_after_s) {}
  int status;
  int retry_after_s;  // > 0: a Retry-After header
};

// Messages of the shared decoder name the command line's flags; a request sets query parameters.
std::string ForRequest(std::string message) {
  for (const auto& [flag, param] : {std::pair<std::string, std::string>{"--mixdown", "mixdown=true"},
                                    {"--resample", "resample=true"}}) {
    for (size_t at = message.find(flag); at != std::string::npos; at = message.find(flag, at + param.size()))
      message.replace(at, flag.size(), param);
  }
  return message;
}

void SetJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

// Debian's cpp-httplib listens with a backlog of 5 (compiled into the library): a burst of clients
// connecting at once would be turned away by the kernel. Linux lets listen() raise it afterwards.
class HttpServer : public httplib::Server {
 public:
  void RaiseBacklog(int backlog) { ::listen(svr_sock_, backlog); }
};

}  // namespace

class ScoringServer::Impl {
 public:
  Impl(ScoringServer& owner, const ServeOptions& options, model::Countermeasure model,
       metrics::ScoreDecisionRule rule)
      : owner_(owner),
        options_(options),
        model_(std::move(model)),
        rule_(std::move(rule)),
        batcher_([this](const float* rows, int64_t count, int64_t window) {
                   return infer::ScoreWindowBatch(*model_, rows, count, window);
                 },
                 options.max_batch, std::chrono::microseconds(static_cast<int64_t>(options.max_wait_ms * 1000)),
                 options.max_queue, &owner.metrics_) {
    model_->eval();
    Configure();
  }

  int Bind() {
    int port = options_.port;
    if (port == 0) {
      port = http_.bind_to_any_port(options_.host);
      if (port < 0) Fail(options_.host + ": cannot listen on any port (--host)");
    } else if (!http_.bind_to_port(options_.host, port)) {
      Fail(Format("%s:%d: cannot listen (port in use, or not an address of this machine)", options_.host.c_str(),
                  port));
    }
    http_.RaiseBacklog(std::max(SOMAXCONN, options_.connections));
    owner_.metrics_.SetReady(true);
    return port;
  }

  void Serve() {
    http_.listen_after_bind();
    batcher_.Drain();
  }

  void Shutdown() {
    if (draining_.exchange(true)) return;
    owner_.metrics_.SetReady(false);
    // Requests past the draining check are queued or being scored: let them finish and be answered.
    while (in_flight_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    batcher_.Drain();
    http_.stop();
  }

 private:
  void Configure() {
    const int threads = options_.connections;
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    http_.set_payload_max_length(static_cast<size_t>(options_.max_body_bytes));
    const auto timeout = std::chrono::microseconds(static_cast<int64_t>(options_.read_timeout_s * 1e6));
    http_.set_read_timeout(timeout);
    http_.set_keep_alive_timeout(static_cast<time_t>(std::ceil(options_.read_timeout_s)));
    http_.set_keep_alive_max_count(100000);  // httplib's default closes a connection every 5 requests
    http_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      SetJson(res, 200, {{"status", "ok"}});
    });
    http_.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      const bool ready = !draining_;
      SetJson(res, ready ? 200 : 503, {{"ready", ready}, {"model", model_->Name()}});
    });
    http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(owner_.metrics_.Render(), "text/plain; version=0.0.4");
    });
    // The body is read here, not by httplib's form parsing: `curl --data-binary @f.flac` labels it
    // application/x-www-form-urlencoded, and `curl -F audio=@f.flac` sends multipart (its first part is read).
    http_.Post("/v1/score", [this](const httplib::Request& req, httplib::Response& res,
                                   const httplib::ContentReader& reader) {
      std::string body;
      int part = -1;
      auto append = [&](const char* data, size_t n) {
        if (part <= 0) body.append(data, n);
        return true;
      };
      const bool read = req.is_multipart_form_data()
                            ? reader([&](const httplib::MultipartFormData&) { return ++part, true; }, append)
                            : reader(append);
      if (read) HandleScore(req, body, res);  // else httplib has set the status (413 over --max-body-mb, 400)
    });
    // Errors httplib answers itself (413 over --max-body-mb, 404, malformed requests) get a JSON body too.
    http_.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                        httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string message = Format("HTTP %d", res.status);
      if (res.status == 413)
        message = Format("%s: larger than the --max-body-mb limit of %lld bytes", kBodyName,
                         static_cast<long long>(options_.max_body_bytes));
      if (res.status == 404) message = req.path + ": no such endpoint (POST /v1/score, GET /healthz /readyz /metrics)";
      SetJson(res, res.status, {{"error", message}});
      if (req.path == "/v1/score") owner_.metrics_.CountRequest(res.status, 0);
      return httplib::Server::HandlerResponse::Handled;
    }));
  }

  void HandleScore(const httplib::Request& req, const std::string& body, httplib::Response& res) {
    const auto start = Clock::now();
    ++in_flight_;
    int status = 200;
    try {
      if (draining_) throw HttpError(503, "shutting down: not accepting requests", 1);
      SetJson(res, 200, Score(req, body, start));
    } catch (const HttpError& e) {
      status = e.status;
      SetJson(res, status, {{"error", e.what()}});
      if (e.retry_after_s > 0) res.set_header("Retry-After", std::to_string(e.retry_after_s));
    } catch (const std::bad_alloc&) {
      status = 413;
      SetJson(res, status, {{"error", std::string(kBodyName) + ": not enough memory to score it"}});
    } catch (const std::exception& e) {  // antispoof::Error from parsing and decoding: the request's fault
      status = 400;
      SetJson(res, status, {{"error", ForRequest(e.what())}});
    }
    if (draining_) res.set_header("Connection", "close");
    owner_.metrics_.CountRequest(status, std::chrono::duration<double>(Clock::now() - start).count());
    --in_flight_;
  }

  std::vector<std::pair<std::string, std::string>> Params(const httplib::Request& req) const {
    return {req.params.begin(), req.params.end()};
  }

  // Decodes and checks the request (Error -> 400, HttpError 413), queues its rows (503 when full),
  // and waits for its scores (a failure there is the service's: 500).
  nlohmann::json Score(const httplib::Request& req, const std::string& body, Clock::time_point start) {
    const ModelConfig& config = model_->config();
    ScoreRequest request;
    ModelRows rows;
    batcher_.Arriving();  // queued requests may wait for this one while it is decoded
    try {
      request = ParseScoreRequest(Params(req), config);
      int64_t recording_samples = -1;
      const std::vector<float> samples = Decode(body, request, recording_samples);
      rows = RowsForRequest(samples, request, config);
      rows.samples = recording_samples;
    } catch (...) {
      batcher_.Abandoned();
      throw;
    }
    auto future = batcher_.Submit(std::move(rows.rows), rows.count, rows.window);
    if (!future)
      throw HttpError(503, Format("overloaded: %d requests are already waiting (--max-queue); retry later",
                                  options_.max_queue), 1);
    ++owner_.accepted_;
    try {
      const std::vector<double> scores = future->get();
      ResponseContext context{model_->Name(), &rule_, config.sample_rate,
                              std::chrono::duration<double, std::milli>(Clock::now() - start).count()};
      nlohmann::json answer = ScoreResponse(request, rows, scores, context);
      ++owner_.answered_;
      return answer;
    } catch (const std::exception& e) {
      ++owner_.answered_;
      throw HttpError(500, e.what());
    }
  }

  // The samples the model needs of the body's audio, at the model's rate: the first nb_samp for the
  // reference rule (decoding no more, whatever the length), the whole recording for windows. 413 for
  // audio over --max-audio-seconds: from the header when it states the length, else once decoding
  // passes the limit.
  // `recording_samples` gets the recording's length at the model's rate (-1 when the header does not
  // state it and only a head was decoded).
  std::vector<float> Decode(const std::string& body, const ScoreRequest& request, int64_t& recording_samples) const {
    if (body.empty()) throw HttpError(400, std::string(kBodyName) + ": empty; POST the bytes of one audio file");
    const audio::AudioInfo info = audio::ProbeAudio(body, kBodyName);
    const double seconds = static_cast<double>(info.frames) / std::max(1, info.sample_rate);
    if (seconds > options_.max_audio_seconds)
      throw HttpError(413, Format("%s: %s s of audio, more than the --max-audio-seconds limit of %s s", kBodyName,
                                  ShortestDouble(seconds).c_str(), ShortestDouble(options_.max_audio_seconds).c_str()));
    audio::DecodeOptions decode = request.decode;
    decode.max_seconds = options_.max_audio_seconds;
    try {
      if (request.windowed()) {
        std::vector<float> samples = audio::DecodeAudio(body, kBodyName, decode);
        recording_samples = static_cast<int64_t>(samples.size());
        return samples;
      }
      std::vector<float> head = audio::DecodeAudioHead(body, kBodyName, model_->config().nb_samp, decode);
      recording_samples = info.frames > 0 ? std::llround(static_cast<double>(info.frames) * decode.sample_rate /
                                                         std::max(1, info.sample_rate))
                                          : -1;
      return head;
    } catch (const audio::AudioTooLong& e) {
      throw HttpError(413, e.what());
    }
  }

  ScoringServer& owner_;
  const ServeOptions options_;
  model::Countermeasure model_;
  const metrics::ScoreDecisionRule rule_;
  HttpServer http_;
  Batcher batcher_;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
};

ScoringServer::ScoringServer(const ServeOptions& options, model::Countermeasure model,
                             metrics::ScoreDecisionRule rule) {
  options.Validate();
  impl_ = std::make_unique<Impl>(*this, options, std::move(model), std::move(rule));
}

ScoringServer::~ScoringServer() = default;

int ScoringServer::Bind() { return impl_->Bind(); }
void ScoringServer::Serve() { impl_->Serve(); }
void ScoringServer::Shutdown() { impl_->Shutdown(); }

}  // namespace antispoof::serve
