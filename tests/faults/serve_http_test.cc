// The scoring service, driven over loopback HTTP as a client would: every endpoint, scores equal to
// `antispoof score`, bad bodies and parameters (4xx naming what is wrong), overload (503 with
// Retry-After), slow clients that never send, concurrent clients that must each get their own result,
// and SIGTERM under load, which must answer every request it accepted and exit 0.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>

#include <atomic>
#include <regex>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

using nlohmann::json;

// A running `antispoof serve` on a free loopback port.
class Service {
 public:
  Service(const TinyRun& run, const std::string& dir, const std::string& flags = "") {
    child_ = Spawn("serve --config " + Quote(run.config) + " --checkpoint " + Quote(run.checkpoint) +
                       " --port 0 --threads 1 " + flags,
                   dir);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    const std::regex ready("ready on http://127\\.0\\.0\\.1:([0-9]+)");
    while (std::chrono::steady_clock::now() < until && port_ == 0) {
      std::smatch m;
      const std::string err = Slurp(child_.err);
      if (std::regex_search(err, m, ready)) port_ = std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~Service() {
    if (!stopped_) Stop();
  }
  int port() const { return port_; }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }
  // SIGTERM, then the exit status and stderr.
  std::pair<int, std::string> Stop() {
    stopped_ = true;
    ::kill(child_.pid, SIGTERM);
    const int status = Wait(child_);
    return {status, Slurp(child_.err)};
  }
  std::string Stderr() const { return Slurp(child_.err); }

 private:
  Child child_;
  int port_ = 0;
  bool stopped_ = false;
};

json Body(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_ = new TinyRun(SharedTinyRun());
    dir_ = new std::string(testing::TempDir());
    service_ = new Service(*run_, *dir_, "--max-batch 8 --max-wait-ms 20 --max-audio-seconds 30 --max-body-mb 2");
  }
  static void TearDownTestSuite() {
    delete service_;
    delete dir_;
    delete run_;
  }
  void SetUp() override { ASSERT_GT(service_->port(), 0) << "the service did not start: " << service_->Stderr(); }

  std::string Write(const std::string& name, const std::string& bytes) const {
    const std::string path = *dir_ + "/" + name;
    Spit(path, bytes);
    return path;
  }
  static httplib::Result Post(const std::string& bytes, const std::string& query = "") {
    auto c = service_->Client();
    return c.Post(("/v1/score" + query).c_str(), bytes, "application/octet-stream");
  }
  // `antispoof score` of one file: its printed score.
  double CliScore(const std::string& path, const std::string& flags = "") const {
    CommandResult r = Score(*run_, Quote(path), "", flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::istringstream line(r.out);
    std::string utt;
    double score = NAN;
    line >> utt >> score;
    return score;
  }
  // A 4xx answer with an error that says `what`.
  static void ExpectRefused(const httplib::Result& r, int status, const std::string& what) {
    ASSERT_TRUE(r) << "no answer";
    EXPECT_EQ(r->status, status) << r->body;
    const json j = Body(r);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
    EXPECT_TRUE(Contains(j["error"].get<std::string>(), what)) << r->body;
  }

  static TinyRun* run_;
  static std::string* dir_;
  static Service* service_;
};
TinyRun* ServeTest::run_ = nullptr;
std::string* ServeTest::dir_ = nullptr;
Service* ServeTest::service_ = nullptr;

TEST_F(ServeTest, HealthReadinessAndMetricsEndpoints) {
  auto c = service_->Client();
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(Body(ready)["model"], "RawNet2");
  ASSERT_EQ(Post(Wav(Tone(9000)))->status, 200);
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_TRUE(Contains(metrics->get_header_value("Content-Type"), "text/plain"));
  for (const char* line : {"antispoof_requests_total{status=\"200\"}", "antispoof_request_latency_seconds_bucket",
                           "antispoof_batch_size_count", "antispoof_queue_depth 0", "antispoof_ready 1"})
    EXPECT_TRUE(Contains(metrics->body, line)) << line << "\n" << metrics->body;
  auto missing = c.Get("/v2/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(Body(missing).contains("error"));
}

TEST_F(ServeTest, ScoresEqualTheCommandLines) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"tone.wav", Wav(Tone(9000))}, {"noise.wav", Wav(Noise(12000, 3))}, {"short.wav", Wav(Noise(1500, 4))}};
  for (const auto& [name, bytes] : files) {
    const std::string path = Write(name, bytes);
    auto r = Post(bytes);
    ASSERT_TRUE(r && r->status == 200) << name << (r ? r->body : "");
    const json j = Body(r);
    EXPECT_NEAR(j["score"].get<double>(), CliScore(path), 1e-6) << name;
    EXPECT_EQ(j["model"], "RawNet2");
    EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), static_cast<double>(bytes.size() - 44) / 2 / 16000);
    EXPECT_GE(j["latency_ms"].get<double>(), 0);
    EXPECT_FALSE(j.contains("decision"));
  }
  // As curl sends a file: --data-binary labels it a form (application/x-www-form-urlencoded), -F as multipart.
  const std::string tone = files[0].second;
  auto c = service_->Client();
  auto as_form = c.Post("/v1/score", tone, "application/x-www-form-urlencoded");
  auto as_multipart = c.Post("/v1/score", httplib::MultipartFormDataItems{{"audio", tone, "tone.wav", "audio/wav"}});
  ASSERT_TRUE(as_form && as_multipart);
  ASSERT_EQ(as_form->status, 200) << as_form->body;
  ASSERT_EQ(as_multipart->status, 200) << as_multipart->body;
  EXPECT_EQ(Body(as_form)["score"], Body(Post(tone))["score"]);
  EXPECT_EQ(Body(as_multipart)["score"], Body(Post(tone))["score"]);
  // Windows, aggregate and a decision, as `score --window --hop --aggregate --threshold`.
  const std::string long_bytes = Wav(Noise(40000, 5));
  const std::string path = Write("long.wav", long_bytes);
  auto r = Post(long_bytes, "?window=0.5&hop=0.25&aggregate=min&segments=true&threshold=-0.7");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
  const json j = Body(r);
  EXPECT_NEAR(j["score"].get<double>(), CliScore(path, "--window 0.5 --hop 0.25 --aggregate min"), 1e-6);
  EXPECT_EQ(j["windows"], 9);
  EXPECT_EQ(j["segments"].size(), 9u);
  EXPECT_EQ(j["decision"], j["score"].get<double>() > -0.7 ? "bonafide" : "spoof");
}

TEST_F(ServeTest, BadBodiesAreRefusedWithWhatIsWrong) {
  ExpectRefused(Post(""), 400, "empty");
  const std::string full = Wav(Tone(9000));
  ExpectRefused(Post(full.substr(0, full.size() / 2)), 400, "truncated");
  ExpectRefused(Post("this is not audio\n"), 400, "cannot decode audio");
  std::string stereo_samples;
  const std::string stereo = Wav(Tone(2 * 9000), 16000, 2);
  ExpectRefused(Post(stereo), 400, "mixdown=true");
  auto mixed = Post(stereo, "?mixdown=true");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->status, 200) << mixed->body;
  ExpectRefused(Post(Wav(Tone(4000, 440, 8000), 8000)), 400, "sample rate 8000 Hz");
  ExpectRefused(Post(Wav({})), 400, "no samples");
  // A header that claims far more audio than the body holds is truncated, not a reason to allocate it.
  ExpectRefused(Post(Wav(Tone(100), 16000, 1, false, int64_t{1} << 30)), 400, "truncated");
  // Audio over --max-audio-seconds (30 s) and bodies over --max-body-mb (2 MiB): 413.
  ExpectRefused(Post(Wav(std::vector<float>(16000 * 31, 0.01f))), 413, "--max-audio-seconds");
  ExpectRefused(Post(std::string(3 << 20, 'x')), 413, "--max-body-mb");
  ExpectRefused(Post(full, "?window=abc"), 400, "window: 'abc'");
  ExpectRefused(Post(full, "?colour=red"), 400, "colour: unknown parameter");
  ExpectRefused(Post(full, "?threshold=nan"), 400, "threshold");
}

TEST_F(ServeTest, FlacBombIsRefusedFromItsHeader) {
  if (RunShell("command -v sox").exit_code != 0) GTEST_SKIP() << "sox is absent (scripts/setup.sh installs it)";
  const std::string path = *dir_ + "/hour.flac";
  ASSERT_EQ(RunShell("sox -D -n -r 16000 -b 16 -c 1 " + Quote(path) + " trim 0 3600").exit_code, 0);
  const std::string bytes = Slurp(path);
  ASSERT_LT(bytes.size(), 1u << 20) << "an hour of silence should compress far below the body limit";
  ExpectRefused(Post(bytes), 413, "3600 s of audio");
}

TEST_F(ServeTest, ConcurrentClientsGetTheirOwnScores) {
  constexpr int kClients = 12;
  std::vector<std::string> bodies;
  std::vector<double> expected;
  for (int i = 0; i < kClients; ++i) {
    bodies.push_back(Wav(Noise(6000 + 700 * i, 100 + i)));
    expected.push_back(CliScore(Write("c" + std::to_string(i) + ".wav", bodies.back())));
  }
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      for (int round = 0; round < 3; ++round) {
        auto r = Post(bodies[i]);
        if (!r || r->status != 200) {
          failures[i] = r ? r->body : "no answer";
          return;
        }
        const double score = Body(r)["score"].get<double>();
        if (std::abs(score - expected[i]) > 1e-6) failures[i] = "got " + std::to_string(score);
      }
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(failures[i], "") << "client " << i;
}

// Raw TCP connections that say nothing: they must neither block other clients nor stay open past
// --read-timeout.
TEST_F(ServeTest, SilentClientsDoNotBlockOthers) {
  std::vector<int> sockets;
  for (int i = 0; i < 16; ++i) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(service_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    if (i % 2) ASSERT_GT(::send(s, "POST /v1/score HTTP/1.1\r\n", 25, 0), 0);  // half a request, then silence
    sockets.push_back(s);
  }
  const auto before = std::chrono::steady_clock::now();
  auto r = Post(Wav(Tone(9000)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(4));
  // The default --read-timeout is 5 s: by 8 s every silent connection has been closed by the server.
  timeval tv{8, 0};
  for (int s : sockets) {
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buffer[256];
    const ssize_t got = ::recv(s, buffer, sizeof(buffer), 0);
    EXPECT_GE(got, 0) << "still open after 8 s";  // 0: closed; > 0: an error answer before closing
    ::close(s);
  }
}

TEST_F(ServeTest, OverloadIsRefusedWith503AndRetryAfter) {
  // One request at a time, one waiting: long windowed requests keep the model busy while others arrive.
  Service small(*run_, *dir_, "--max-batch 4 --max-queue 1 --max-wait-ms 0");
  ASSERT_GT(small.port(), 0) << small.Stderr();
  const std::string body = Wav(Noise(16000 * 10, 9));
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      auto c = small.Client();
      auto r = c.Post("/v1/score?window=0.5&hop=0.02", body, "application/octet-stream");
      if (r && r->status == 200) {
        ++ok;
      } else if (r && r->status == 503 && r->get_header_value("Retry-After") == "1" &&
                 Contains(r->body, "--max-queue")) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GE(ok, 1);
  EXPECT_GE(refused, 1);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(small.Stop().first, 0);
}

TEST_F(ServeTest, SigtermUnderLoadAnswersEveryAcceptedRequestAndExitsZero) {
  Service service(*run_, *dir_, "--max-batch 8 --max-wait-ms 5");
  ASSERT_GT(service.port(), 0) << service.Stderr();
  const std::string body = Wav(Noise(9000, 11));
  std::atomic<int> ok{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      auto c = service.Client();
      while (!stop) {
        auto r = c.Post("/v1/score", body, "application/octet-stream");
        if (!r) return;  // the listener closed
        if (r->status == 200) ++ok;
        if (r->status == 503) return;  // shutting down
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const auto [status, err] = service.Stop();
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(status, 0) << err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m, std::regex("([0-9]+) scoring requests accepted, ([0-9]+) answered"))) << err;
  EXPECT_GT(ok, 0);
  EXPECT_EQ(std::stoi(m[1]), std::stoi(m[2])) << err;
  EXPECT_EQ(std::stoi(m[1]), ok.load()) << "every accepted request reached its client";
}

TEST_F(ServeTest, BadFlagsAreRefusedBeforeTheModelLoads) {
  const std::string base = "serve --config " + Quote(run_->config) + " --checkpoint " + Quote(run_->checkpoint);
  for (const auto& [flags, what] : std::vector<std::pair<std::string, std::string>>{
           {"--max-batch 0", "--max-batch"}, {"--port 70000", "--port"}, {"--max-queue 0", "--max-queue"},
           {"--threshold nan", "--threshold"}, {"--max-wait-ms -1", "--max-wait-ms"},
           {"--max-body-mb 0", "--max-body-mb"}}) {
    CommandResult r = RunAntispoof(base + " " + flags);
    EXPECT_EQ(r.exit_code, 1) << flags;
    EXPECT_TRUE(Contains(r.err, what)) << flags << ": " << r.err;
  }
  CommandResult missing = RunAntispoof("serve --config " + Quote(run_->config) + " --checkpoint /nonexistent.pth --port 0");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "/nonexistent.pth")) << missing.err;
}

}  // namespace
}  // namespace antispoof::faults
