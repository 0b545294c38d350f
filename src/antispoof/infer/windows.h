// Scoring a recording of any length in overlapping windows: where the windows lie, what samples the
// model sees for each, how a stream is cut into the same windows, and how window scores become one
// score per recording. No LibTorch (unit-testable on its own).
//
// The window rule (PlanWindows), for a recording of n samples, a window of W and a hop of H samples:
//   - n <= W: one window, [0, n); when n < W the model sees the recording tiled (repeated whole) and
//     cut to W samples, the reference length rule (audio::FitLength), exactly as without windows;
//   - n > W: windows start at 0, H, 2H, ... while they fit inside the recording; when the last of
//     them ends before the recording does, one more window is aligned to end at the recording's end
//     (it overlaps the one before it by more than W - H). No window is padded and no audio repeated,
//     and every sample lies in at least one window (H <= W).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace antispoof::infer {

// Window length and hop in samples; 0 < hop <= window.
struct WindowSpec {
  int64_t window = 0;
  int64_t hop = 0;
};

// Samples [start, end) of the recording (end - start == the window, except for a recording shorter
// than one window, which has the single window [0, n)).
struct Window {
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const Window& o) const { return start == o.start && end == o.end; }
};

// The windows of a recording of n samples, in order (the rule above). Error when n <= 0 or the
// spec is not 0 < hop <= window.
std::vector<Window> PlanWindows(int64_t n, const WindowSpec& spec);

// The spec.window samples the model sees for window `w` of `samples` (n of them): the window's own
// samples, or for a recording shorter than the window, the recording tiled and cut (FitLength).
void ExtractWindow(const float* samples, int64_t n, const Window& w, const WindowSpec& spec, float* out);

// --window and --hop in seconds -> samples at `sample_rate` (rounded to the nearest sample). An
// absent window is the model's input length (nb_samp samples); an absent hop is half the window
// (rounded down). Error naming the flag for a value that is not finite, not > 0, rounds to no
// sample, or a hop longer than the window (audio between windows would go unscored).
WindowSpec ResolveWindowSpec(std::optional<double> window_seconds, std::optional<double> hop_seconds,
                             int64_t nb_samp, int sample_rate);

// How window scores become one score per recording.
enum class Aggregate { kMean, kMin, kMax, kMedian };
// "mean", "min", "max", "median"; Error naming `flag` and listing the choices for anything else.
Aggregate ParseAggregate(const std::string& name, const std::string& flag);
std::string AggregateName(Aggregate aggregate);
// The mean, the minimum, the maximum or the median (the mean of the two middle values for an even
// count) of the scores. Error when there is none.
double AggregateScores(const std::vector<double>& scores, Aggregate aggregate);

// Cuts a stream into the windows that PlanWindows gives the whole recording, holding at most one
// window of samples (the last spec.window samples read). Usage:
//   while (int64_t want = w.SamplesWanted(); (read = Read(buffer, min(want, cap))) > 0)
//     if (w.Push(buffer, read)) Score(w.Samples(), w.Current());
//   if (w.Finish()) Score(w.Samples(), w.Current());
class StreamWindower {
 public:
  explicit StreamWindower(const WindowSpec& spec);  // Error unless 0 < hop <= window
  // Samples still to read before the next window is complete (> 0).
  int64_t SamplesWanted() const { return next_end_ - seen_; }
  // Appends `count` (<= SamplesWanted()) samples; true when they complete a window, which
  // Current() and Samples() then hold.
  bool Push(const float* samples, int64_t count);
  // At the end of the stream: true when the plan has one more window (the window aligned to end
  // at the end of the stream, or the tiled window of a stream shorter than one window), which
  // Current() and Samples() then hold. False for an empty stream.
  bool Finish();
  const Window& Current() const { return current_; }
  // The spec.window samples of Current(), as ExtractWindow gives them.
  const std::vector<float>& Samples() const { return buffer_; }
  int64_t samples_seen() const { return seen_; }

 private:
  WindowSpec spec_;
  std::vector<float> buffer_;  // the last min(seen_, window) samples, then (Finish) the tiled window
  int64_t filled_ = 0;         // samples held in buffer_
  int64_t seen_ = 0;           // samples pushed so far
  int64_t next_end_ = 0;       // the end of the next hop-grid window
  int64_t last_end_ = 0;       // the end of the last window given out (0: none yet)
  Window current_;
};

}  // namespace antispoof::infer
