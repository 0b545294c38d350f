#include "antispoof/infer/windows.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::infer {
namespace {

void CheckSpec(const WindowSpec& spec) {
  if (spec.window <= 0 || spec.hop <= 0 || spec.hop > spec.window)
    Fail(Format("window plan: need 0 < hop <= window (got window %lld, hop %lld samples)",
                static_cast<long long>(spec.window), static_cast<long long>(spec.hop)));
}

// Seconds -> samples; Error naming the flag unless finite, > 0 and at least one sample.
int64_t SecondsToSamples(double seconds, int sample_rate, const std::string& flag) {
  const std::string value = ShortestDouble(seconds);
  if (!std::isfinite(seconds) || seconds <= 0)
    Fail(flag + ": " + value + ": must be a finite number of seconds > 0");
  const double samples = std::round(seconds * sample_rate);
  if (samples > static_cast<double>(std::numeric_limits<int32_t>::max()))
    Fail(flag + ": " + value + " s is too long (more than 2^31 samples at " + std::to_string(sample_rate) + " Hz)");
  if (samples < 1) Fail(flag + ": " + value + " s is less than one sample at " + std::to_string(sample_rate) + " Hz");
  return static_cast<int64_t>(samples);
}

const std::pair<const char*, Aggregate> kAggregates[] = {
    {"mean", Aggregate::kMean}, {"min", Aggregate::kMin}, {"max", Aggregate::kMax}, {"median", Aggregate::kMedian}};

}  // namespace

std::vector<Window> PlanWindows(int64_t n, const WindowSpec& spec) {
  CheckSpec(spec);
  if (n <= 0) Fail("window plan: a recording needs at least one sample");
  if (n <= spec.window) return {{0, n}};
  std::vector<Window> windows;
  int64_t start = 0;
  for (; start + spec.window <= n; start += spec.hop) windows.push_back({start, start + spec.window});
  // The hop grid stopped short of the end: one more window, aligned to end with the recording.
  if (windows.back().end < n) windows.push_back({n - spec.window, n});
  return windows;
}

void ExtractWindow(const float* samples, int64_t n, const Window& w, const WindowSpec& spec, float* out) {
  if (w.start < 0 || w.end > n || w.end <= w.start || w.end - w.start > spec.window)
    Fail(Format("window [%lld, %lld) does not lie in a recording of %lld samples", static_cast<long long>(w.start),
                static_cast<long long>(w.end), static_cast<long long>(n)));
  const int64_t len = w.end - w.start;
  // A whole window is copied; a short recording's single window is tiled (the reference rule).
  for (int64_t i = 0; i < spec.window; i += len)
    std::memcpy(out + i, samples + w.start, sizeof(float) * std::min(len, spec.window - i));
}

WindowSpec ResolveWindowSpec(std::optional<double> window_seconds, std::optional<double> hop_seconds,
                             int64_t nb_samp, int sample_rate) {
  if (sample_rate <= 0 || nb_samp <= 0) Fail("window plan: the model's sample rate and nb_samp must be > 0");
  WindowSpec spec;
  spec.window = window_seconds ? SecondsToSamples(*window_seconds, sample_rate, "--window") : nb_samp;
  spec.hop = hop_seconds ? SecondsToSamples(*hop_seconds, sample_rate, "--hop") : std::max<int64_t>(1, spec.window / 2);
  if (spec.hop > spec.window) {
    const std::string window = ShortestDouble(static_cast<double>(spec.window) / sample_rate) + " s" +
                               (window_seconds ? "" : ", the model's input length (nb_samp)");
    Fail("--hop: " + ShortestDouble(*hop_seconds) + " s is longer than the window (" + window +
         "): the audio between windows would go unscored");
  }
  return spec;
}

Aggregate ParseAggregate(const std::string& name, const std::string& flag) {
  std::string known;
  for (const auto& [text, value] : kAggregates) {
    if (name == text) return value;
    known += (known.empty() ? "" : "|") + std::string(text);
  }
  Fail(flag + ": unknown aggregate '" + name + "' (known: " + known + ")");
}

std::string AggregateName(Aggregate aggregate) {
  for (const auto& [text, value] : kAggregates)
    if (value == aggregate) return text;
  return "?";
}

double AggregateScores(const std::vector<double>& scores, Aggregate aggregate) {
  if (scores.empty()) Fail("aggregate: no window scores");
  switch (aggregate) {
    case Aggregate::kMin: return *std::min_element(scores.begin(), scores.end());
    case Aggregate::kMax: return *std::max_element(scores.begin(), scores.end());
    case Aggregate::kMedian: {
      std::vector<double> s = scores;
      const size_t mid = s.size() / 2;
      std::nth_element(s.begin(), s.begin() + mid, s.end());
      if (s.size() % 2 == 1) return s[mid];
      const double upper = s[mid];
      return (*std::max_element(s.begin(), s.begin() + mid) + upper) / 2;
    }
    case Aggregate::kMean:
    default: {
      double sum = 0;
      for (double v : scores) sum += v;
      return sum / static_cast<double>(scores.size());
    }
  }
}

StreamWindower::StreamWindower(const WindowSpec& spec)
    : spec_(spec), buffer_(static_cast<size_t>(std::max<int64_t>(spec.window, 0))), next_end_(spec.window) {
  CheckSpec(spec);
}

bool StreamWindower::Push(const float* samples, int64_t count) {
  if (count < 0 || count > SamplesWanted())
    Fail(Format("stream windows: pushed %lld samples, %lld wanted", static_cast<long long>(count),
                static_cast<long long>(SamplesWanted())));
  // Keep the last `window` samples: drop the oldest that the new ones displace.
  const int64_t drop = std::max<int64_t>(0, filled_ + count - spec_.window);
  if (drop > 0) {
    std::memmove(buffer_.data(), buffer_.data() + drop, sizeof(float) * (filled_ - drop));
    filled_ -= drop;
  }
  std::memcpy(buffer_.data() + filled_, samples, sizeof(float) * count);
  filled_ += count;
  seen_ += count;
  if (seen_ < next_end_) return false;
  current_ = {seen_ - spec_.window, seen_};
  last_end_ = seen_;
  next_end_ += spec_.hop;
  return true;
}

bool StreamWindower::Finish() {
  if (seen_ == 0 || last_end_ == seen_) return false;
  if (seen_ < spec_.window) {
    current_ = {0, seen_};
    for (int64_t i = seen_; i < spec_.window; ++i) buffer_[i] = buffer_[i % seen_];  // tile in place
  } else {
    current_ = {seen_ - spec_.window, seen_};  // the buffer holds exactly these samples
  }
  last_end_ = seen_;
  return true;
}

}  // namespace antispoof::infer
