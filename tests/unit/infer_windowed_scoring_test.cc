// Windowed scoring with both architectures: every window's score is the model's forward of that
// window's samples, files share batches, the aggregate is taken over the windows, a stream gives
// the same windows and scores, and the shortest window a model takes is the one it runs on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/audio/pcm_stream.h"
#include "antispoof/config/config.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/infer/windowed_scoring.h"
#include "support/test_support.h"

namespace antispoof::infer {
namespace {

using ::testing::HasSubstr;

std::vector<float> Signal(int64_t n, int seed) {
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i)
    x[i] = static_cast<float>(std::lround(6000 * std::sin(0.003 * (seed + 1) * i) + 300 * ((i * 7919 + seed) % 13 - 6))) /
           32768.0f;  // whole 16-bit steps: a WAV file holds them exactly
  return x;
}

class WindowedScoring : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    config_ = LoadConfig(testing::SourceDir() + "/conf/" + GetParam()).model;
    config_.nb_samp = 8000;
    torch::manual_seed(5);
    net_ = model::CreateModel(config_);
    net_->eval();
  }
  double Forward(const std::vector<float>& window) {
    torch::NoGradGuard no_grad;
    auto x = torch::from_blob(const_cast<float*>(window.data()), {1, static_cast<int64_t>(window.size())}).clone();
    return net_->forward(x)[0][1].item<double>();
  }
  ModelConfig config_;
  model::Countermeasure net_{nullptr};
};

TEST_P(WindowedScoring, EachWindowIsScoredAsItsOwnForwardAndFilesShareBatches) {
  const std::string dir = testing::TempDir();
  const std::vector<int64_t> lengths = {21000, 5000, 8000};  // not a multiple of the hop, short, one window
  std::vector<std::vector<float>> signals;
  WindowedOptions o;
  for (size_t f = 0; f < lengths.size(); ++f) {
    signals.push_back(Signal(lengths[f], static_cast<int>(f)));
    const std::string path = dir + "/f" + std::to_string(f) + ".wav";
    audio::WriteAudio(path, signals.back(), 16000);
    o.items.push_back({"f" + std::to_string(f), path, TrialKey::kUnknown, "-"});
  }
  o.spec = {8000, 3000};
  o.batch_size = 3;  // batches cross file boundaries
  o.aggregate = Aggregate::kMedian;
  const auto scored = ScoreItemsWindowed(*net_, o);
  ASSERT_EQ(scored.size(), 3u);
  std::vector<float> window(8000);
  for (size_t f = 0; f < scored.size(); ++f) {
    EXPECT_EQ(scored[f].utt, o.items[f].utt);
    EXPECT_EQ(scored[f].samples, lengths[f]);
    const auto plan = PlanWindows(lengths[f], o.spec);
    ASSERT_EQ(scored[f].windows.size(), plan.size());
    std::vector<double> scores;
    for (size_t j = 0; j < plan.size(); ++j) {
      EXPECT_EQ(scored[f].windows[j].window, plan[j]);
      ExtractWindow(signals[f].data(), lengths[f], plan[j], o.spec, window.data());
      EXPECT_NEAR(scored[f].windows[j].score, Forward(window), 1e-5) << f << " " << j;
      scores.push_back(scored[f].windows[j].score);
    }
    EXPECT_DOUBLE_EQ(scored[f].score, AggregateScores(scores, Aggregate::kMedian));
  }
  EXPECT_EQ(scored[0].windows.size(), 6u);  // 0, 3000, 6000, 9000, 12000, then 13000-21000
  // A file of one window (or shorter, tiled) scores as the reference length rule does.
  ScoreOptions reference;
  reference.items = {o.items[1], o.items[2]};
  reference.num_workers = 0;
  const auto ref = ScoreItems(*net_, reference);
  EXPECT_NEAR(ref[0].score, scored[1].score, 1e-5);
  EXPECT_NEAR(ref[1].score, scored[2].score, 1e-5);
}

TEST_P(WindowedScoring, AStreamGivesTheFilesWindowsAndScores) {
  const std::vector<float> x = Signal(19500, 3);
  const std::string path = testing::TempDir() + "/s.wav";
  audio::WriteAudio(path, x, 16000);
  WindowedOptions o;
  o.items = {{"s", path, TrialKey::kUnknown, "-"}};
  o.spec = {8000, 4000};
  const auto file = ScoreItemsWindowed(*net_, o)[0];
  auto bytes = std::make_shared<std::string>(testing::Slurp(path));
  auto pos = std::make_shared<size_t>(0);
  audio::PcmStreamReader reader(
      [bytes, pos](char* b, size_t n) {
        n = std::min(n, bytes->size() - *pos);
        std::copy_n(bytes->data() + *pos, n, b);
        *pos += n;
        return n;
      },
      "stdin");
  std::vector<WindowScore> streamed;
  const auto summary = ScoreStream(*net_, reader, o.spec, [&](const Window& w, double s) { streamed.push_back({w, s}); });
  EXPECT_EQ(summary.samples, 19500);
  ASSERT_EQ(streamed.size(), file.windows.size());
  EXPECT_EQ(summary.latency_ms.size(), streamed.size());
  for (size_t j = 0; j < streamed.size(); ++j) {
    EXPECT_EQ(streamed[j].window, file.windows[j].window) << j;
    EXPECT_NEAR(streamed[j].score, file.windows[j].score, 1e-5) << j;
  }
}

TEST_P(WindowedScoring, TheShortestWindowTheModelTakesRunsAndAShorterOneIsAnError) {
  const int64_t min = MinWindowSamples(config_);
  EXPECT_GT(min, config_.SincTaps());
  EXPECT_LT(min, config_.nb_samp);
  EXPECT_TRUE(std::isfinite(Forward(Signal(min, 1))));
  CheckWindowFitsModel(config_, min);
  const std::string error = testing::ErrorMessageOf([&] { CheckWindowFitsModel(config_, min - 1); });
  EXPECT_THAT(error, HasSubstr("--window: "));
  EXPECT_THAT(error, HasSubstr("it needs windows of at least " + std::to_string(min) + " samples"));
  WindowedOptions o;
  o.spec = {min - 1, 1};
  EXPECT_THAT(testing::ErrorMessageOf([&] { ScoreItemsWindowed(*net_, o); }), HasSubstr("--window"));
}

INSTANTIATE_TEST_SUITE_P(EveryArchitecture, WindowedScoring, ::testing::Values("rawnet2.yaml", "aasist_l.yaml"),
                         [](const auto& info) { return info.param == "rawnet2.yaml" ? "RawNet2" : "AASIST_L"; });

}  // namespace
}  // namespace antispoof::infer
