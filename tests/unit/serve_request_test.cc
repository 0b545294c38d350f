// Query parameters, rows and answers of POST /v1/score, and the Prometheus text of /metrics.
#include <gtest/gtest.h>

#include <cmath>

#include "antispoof/audio/audio.h"
#include "antispoof/infer/windows.h"
#include "antispoof/serve/score_request.h"
#include "antispoof/serve/serve_options.h"
#include "antispoof/serve/service_metrics.h"
#include "support/test_support.h"

namespace antispoof::serve {
namespace {

using testing::ErrorMessageOf;
using Params = std::vector<std::pair<std::string, std::string>>;

ModelConfig SmallModel() {
  ModelConfig m;
  m.nb_samp = 8000;
  return m;
}

TEST(ScoreRequest, NoParametersMeanTheReferenceRule) {
  const ScoreRequest r = ParseScoreRequest({}, SmallModel());
  EXPECT_FALSE(r.windowed());
  std::vector<float> samples(3000);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<float>(i) / 3000.f;
  const ModelRows rows = RowsForRequest(samples, r, SmallModel());
  EXPECT_EQ(rows.count, 1);
  EXPECT_EQ(rows.window, 8000);
  EXPECT_EQ(rows.rows, audio::FitLength(samples, 8000));  // tiled, as `score` does
}

TEST(ScoreRequest, WindowParametersGiveTheCommandLinesWindows) {
  const ScoreRequest r = ParseScoreRequest({{"window", "0.5"}, {"hop", "0.25"}, {"aggregate", "max"}}, SmallModel());
  EXPECT_TRUE(r.windowed());
  EXPECT_EQ(r.aggregate, infer::Aggregate::kMax);
  std::vector<float> samples(20000, 0.1f);
  const ModelRows rows = RowsForRequest(samples, r, SmallModel());
  const auto expected = infer::PlanWindows(20000, {8000, 4000});
  EXPECT_EQ(rows.windows, expected);
  EXPECT_EQ(rows.count, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(rows.rows.size(), expected.size() * 8000);
  EXPECT_TRUE(ParseScoreRequest({{"segments", "true"}}, SmallModel()).windowed());
}

TEST(ScoreRequest, BadParametersNameThemselves) {
  const ModelConfig m = SmallModel();
  EXPECT_NE(ErrorMessageOf([&] { ParseScoreRequest({{"window", "abc"}}, m); }).find("window: 'abc'"),
            std::string::npos);
  EXPECT_NE(ErrorMessageOf([&] { ParseScoreRequest({{"hop", "nan"}}, m); }).find("hop:"), std::string::npos);
  EXPECT_NE(ErrorMessageOf([&] { ParseScoreRequest({{"aggregate", "sum"}}, m); }).find("aggregate"),
            std::string::npos);
  EXPECT_NE(ErrorMessageOf([&] { ParseScoreRequest({{"colour", "red"}}, m); }).find("colour: unknown parameter"),
            std::string::npos);
  EXPECT_NE(ErrorMessageOf([&] { ParseScoreRequest({{"window", "1"}, {"window", "2"}}, m); }).find("more than once"),
            std::string::npos);
  EXPECT_NE(ErrorMessageOf([&] { ParseScoreRequest({{"threshold", "inf"}}, m); }).find("threshold:"),
            std::string::npos);
  EXPECT_NE(ErrorMessageOf([&] { ParseScoreRequest({{"window", "0.001"}}, m); }).find("window"), std::string::npos);
  EXPECT_NE(ErrorMessageOf([&] { ParseScoreRequest({{"mixdown", "maybe"}}, m); }).find("mixdown:"),
            std::string::npos);
}

TEST(ScoreResponse, CarriesScoreDecisionAndSegments) {
  const ScoreRequest r = ParseScoreRequest({{"window", "0.5"}, {"segments", "1"}, {"threshold", "-0.5"}},
                                           SmallModel());
  const ModelRows rows = RowsForRequest(std::vector<float>(16000, 0.f), r, SmallModel());
  ASSERT_EQ(rows.count, 3);
  metrics::ScoreDecisionRule rule;
  const auto j = ScoreResponse(r, rows, {-1.0, 0.0, -0.2}, {"RawNet2", &rule, 16000, 12.5});
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), -0.4);  // the mean
  EXPECT_EQ(j["decision"], "bonafide");              // -0.4 > -0.5
  EXPECT_EQ(j["segments"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["segments"][1]["start"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 1.0);
  EXPECT_EQ(j["model"], "RawNet2");
  EXPECT_FALSE(j.contains("llr"));
  EXPECT_NE(ErrorMessageOf([&] { ScoreResponse(r, rows, {-1.0, NAN, 0.0}, {"RawNet2", &rule, 16000, 1}); })
                .find("not finite"),
            std::string::npos);
}

TEST(ScoreResponse, ACalibrationAddsTheLlrAndDecidesOnIt) {
  metrics::ScoreDecisionRule rule;
  rule.calibration = metrics::Calibration{};
  rule.calibration->scale = 2;
  rule.calibration->offset = 1;
  rule.calibration->threshold = 0.5;
  const ScoreRequest r = ParseScoreRequest({}, SmallModel());
  const ModelRows rows = RowsForRequest(std::vector<float>(100, 0.f), r, SmallModel());
  const auto j = ScoreResponse(r, rows, {-0.2}, {"RawNet2", &rule, 16000, 1});
  EXPECT_DOUBLE_EQ(j["llr"].get<double>(), 0.6);
  EXPECT_EQ(j["decision"], "bonafide");
}

TEST(ServeOptions, EveryBadValueNamesItsFlag) {
  auto message = [](auto change) {
    ServeOptions o;
    change(o);
    return ErrorMessageOf([&] { o.Validate(); });
  };
  EXPECT_EQ(message([](ServeOptions&) {}), "");
  EXPECT_NE(message([](ServeOptions& o) { o.max_batch = 0; }).find("--max-batch"), std::string::npos);
  EXPECT_NE(message([](ServeOptions& o) { o.port = 70000; }).find("--port"), std::string::npos);
  EXPECT_NE(message([](ServeOptions& o) { o.max_wait_ms = NAN; }).find("--max-wait-ms"), std::string::npos);
  EXPECT_NE(message([](ServeOptions& o) { o.max_queue = -1; }).find("--max-queue"), std::string::npos);
  EXPECT_NE(message([](ServeOptions& o) { o.max_audio_seconds = 0; }).find("--max-audio-seconds"), std::string::npos);
  EXPECT_NE(message([](ServeOptions& o) { o.connections = 0; }).find("--connections"), std::string::npos);
  EXPECT_NE(message([](ServeOptions& o) { o.read_timeout_s = -1; }).find("--read-timeout"), std::string::npos);
  EXPECT_NE(message([](ServeOptions& o) { o.threads = -2; }).find("--threads"), std::string::npos);
}

TEST(ServiceMetrics, RendersPrometheusText) {
  ServiceMetrics m;
  m.CountRequest(200, 0.003);
  m.CountRequest(200, 0.2);
  m.CountRequest(503, 0.0001);
  m.CountBatch(3);
  m.SetQueueDepth(5);
  m.SetReady(true);
  const std::string text = m.Render();
  EXPECT_NE(text.find("# TYPE antispoof_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("antispoof_requests_total{status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("antispoof_requests_total{status=\"503\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("antispoof_request_latency_seconds_bucket{le=\"0.005\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("antispoof_request_latency_seconds_bucket{le=\"0.25\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("antispoof_request_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("antispoof_batch_size_bucket{le=\"2\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("antispoof_batch_size_bucket{le=\"4\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("antispoof_queue_depth 5\n"), std::string::npos);
  EXPECT_NE(text.find("antispoof_ready 1\n"), std::string::npos);
  EXPECT_EQ(m.Requests(200), 2u);
}

}  // namespace
}  // namespace antispoof::serve
