#include "antispoof/infer/windowed_scoring.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <limits>

#include "antispoof/common/error.h"
#include "antispoof/common/progress.h"
#include "antispoof/common/strings.h"
#include "antispoof/infer/scoring.h"

namespace antispoof::infer {
namespace {

bool TakesInputLength(ModelConfig config, int64_t samples) {
  if (samples > std::numeric_limits<int>::max()) return true;  // beyond nb_samp's type: long enough
  config.nb_samp = static_cast<int>(samples);
  try {
    config.Validate("");
  } catch (const Error&) {
    return false;
  }
  return true;
}

// Windows of a batch and where each one's score goes; runs the model when full.
class WindowBatcher {
 public:
  WindowBatcher(model::CountermeasureImpl& model, int64_t window, int batch_size)
      : model_(model), window_(window), batch_size_(batch_size),
        samples_(static_cast<size_t>(window * batch_size)) {}
  // Room for the next window's samples; its score will be written to *score.
  float* Add(double* score) {
    targets_.push_back(score);
    return samples_.data() + window_ * static_cast<int64_t>(targets_.size() - 1);
  }
  bool Full() const { return static_cast<int>(targets_.size()) == batch_size_; }
  void Flush() {
    if (targets_.empty()) return;
    const std::vector<double> scores =
        ScoreWindowBatch(model_, samples_.data(), static_cast<int64_t>(targets_.size()), window_);
    for (size_t i = 0; i < scores.size(); ++i) *targets_[i] = scores[i];
    targets_.clear();
  }

 private:
  model::CountermeasureImpl& model_;
  const int64_t window_;
  const int batch_size_;
  std::vector<float> samples_;  // [batch_size, window]
  std::vector<double*> targets_;
};

using Clock = std::chrono::steady_clock;
constexpr int64_t kStreamReadSamples = 4000;  // the largest piece read from a stream at once (0.25 s)

}  // namespace

int64_t MinWindowSamples(const ModelConfig& config) {
  // The rule is monotone in the length: bisect between a length that fails and one that passes.
  int64_t lo = 0, hi = std::max<int64_t>(1, config.nb_samp);
  while (!TakesInputLength(config, hi)) hi *= 2;
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (TakesInputLength(config, mid) ? hi : lo) = mid;
  }
  return hi;
}

void CheckWindowFitsModel(const ModelConfig& config, int64_t window, const std::string& flag) {
  if (TakesInputLength(config, window)) return;
  const int64_t min = MinWindowSamples(config);
  const double rate = config.sample_rate;
  Fail(flag + Format(": %.6g s (%lld samples at %d Hz) is shorter than this model takes: it needs windows of at "
                     "least %lld samples (%.6g s)",
                     window / rate, static_cast<long long>(window), config.sample_rate, static_cast<long long>(min),
                     min / rate));
}

std::vector<double> ScoreWindowBatch(model::CountermeasureImpl& model, const float* samples, int64_t count,
                                     int64_t window) {
  torch::NoGradGuard no_grad;
  const torch::Device device = model.parameters().front().device();
  // from_blob does not own or modify the samples; the copy to the device (or clone) does.
  torch::Tensor x = torch::from_blob(const_cast<float*>(samples), {count, window}, torch::kFloat32);
  x = device.is_cpu() ? x.clone() : x.to(device);
  torch::Tensor out = model.forward(x).to(torch::kCPU, torch::kFloat64);
  auto a = out.accessor<double, 2>();
  std::vector<double> scores(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) scores[i] = a[i][1];  // column 1: the bona fide output
  return scores;
}

std::vector<WindowedItem> ScoreItemsWindowed(model::CountermeasureImpl& model, const WindowedOptions& o) {
  CheckWindowFitsModel(model.config(), o.spec.window);
  if (o.batch_size < 1) Fail("--batch-size: must be at least 1");
  audio::DecodeOptions decode = o.decode;
  decode.sample_rate = model.config().sample_rate;
  model.eval();
  auto load = [&decode](const std::string& path) {
    return std::async(std::launch::async, [decode, path] { return audio::LoadAudio(path, decode); });
  };
  std::vector<WindowedItem> out(o.items.size());
  WindowBatcher batch(model, o.spec.window, o.batch_size);
  ProgressBar bar("score", static_cast<int64_t>(o.items.size()), "file");
  std::future<std::vector<float>> next;
  if (!o.items.empty()) next = load(o.items[0].path);
  for (size_t i = 0; i < o.items.size(); ++i) {
    const std::vector<float> x = next.get();
    if (i + 1 < o.items.size()) next = load(o.items[i + 1].path);  // decoded while the model runs
    WindowedItem& item = out[i];
    item.utt = o.items[i].utt;
    item.samples = static_cast<int64_t>(x.size());
    const std::vector<Window> plan = PlanWindows(item.samples, o.spec);
    item.windows.resize(plan.size());  // not resized again: the batch keeps pointers to the scores
    for (size_t j = 0; j < plan.size(); ++j) {
      item.windows[j].window = plan[j];
      ExtractWindow(x.data(), item.samples, plan[j], o.spec, batch.Add(&item.windows[j].score));
      if (batch.Full()) batch.Flush();
    }
    bar.Add(1);
  }
  batch.Flush();
  bar.Finish();
  const double rate = model.config().sample_rate;
  for (size_t i = 0; i < out.size(); ++i) {
    WindowedItem& item = out[i];
    std::vector<double> scores;
    for (const WindowScore& w : item.windows) {
      CheckFiniteOutput(w.score, o.items[i].path,
                        Format("bona fide output for the window %s-%s s", ShortestDouble(w.window.start / rate).c_str(),
                               ShortestDouble(w.window.end / rate).c_str()));
      scores.push_back(w.score);
    }
    item.score = AggregateScores(scores, o.aggregate);
  }
  return out;
}

StreamSummary ScoreStream(model::CountermeasureImpl& model, audio::PcmStreamReader& reader, const WindowSpec& spec,
                          const std::function<void(const Window& window, double score)>& on_window) {
  CheckWindowFitsModel(model.config(), spec.window);
  model.eval();
  StreamWindower windower(spec);
  std::vector<float> piece(static_cast<size_t>(std::min(spec.window, kStreamReadSamples)));
  StreamSummary summary;
  auto emit = [&](Clock::time_point read_at) {
    const double score = ScoreWindowBatch(model, windower.Samples().data(), 1, spec.window)[0];
    const double rate = model.config().sample_rate;
    CheckFiniteOutput(score, reader.name(),
                      Format("bona fide output for the window %s-%s s",
                             ShortestDouble(windower.Current().start / rate).c_str(),
                             ShortestDouble(windower.Current().end / rate).c_str()));
    on_window(windower.Current(), score);
    summary.latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - read_at).count());
  };
  Clock::time_point last_read = Clock::now();
  for (;;) {
    const int64_t want = std::min<int64_t>(windower.SamplesWanted(), static_cast<int64_t>(piece.size()));
    const int64_t got = reader.Read(piece.data(), want);
    last_read = Clock::now();
    if (got > 0 && windower.Push(piece.data(), got)) emit(last_read);
    if (got < want) break;  // the end of the stream
  }
  // The end-aligned (or tiled) last window is complete once the end of the stream is read.
  if (windower.Finish()) emit(last_read);
  summary.samples = windower.samples_seen();
  return summary;
}

}  // namespace antispoof::infer
