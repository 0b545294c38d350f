// Scoring recordings of any length in overlapping windows (the plan in windows.h), and scoring a
// live PCM stream window by window as each window completes. Scores are the model's bona fide
// output (column 1: log P(bona fide) for RawNet2, the bona fide logit for AASIST); higher = more
// bona fide.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/audio/pcm_stream.h"
#include "antispoof/config/config.h"
#include "antispoof/data/layout.h"
#include "antispoof/infer/windows.h"
#include "antispoof/model/countermeasure.h"

namespace antispoof::infer {

// The fewest samples a window may have for this model: the shortest input its architecture
// takes (the same rule that bounds model.nb_samp in a config: a time step must be left after the
// sinc filter and every pooling stage).
int64_t MinWindowSamples(const ModelConfig& config);
// Error naming `flag` ("--window") when `window` samples are fewer than MinWindowSamples, stating
// both lengths in samples and seconds.
void CheckWindowFitsModel(const ModelConfig& config, int64_t window, const std::string& flag = "--window");

// The bona fide outputs of `count` windows of `window` samples each, held back to back in
// `samples` (row-major [count, window], int16/32768 scale), run through the model as one batch
// [count, window] on the device of its parameters. The model must be in eval mode.
std::vector<double> ScoreWindowBatch(model::CountermeasureImpl& model, const float* samples, int64_t count,
                                     int64_t window);

struct WindowScore {
  Window window;  // samples [start, end) of the recording
  double score = 0;
};

struct WindowedItem {
  std::string utt;
  int64_t samples = 0;              // the recording's length at the model's rate
  double score = 0;                 // the aggregate of the window scores
  std::vector<WindowScore> windows;  // in order
};

struct WindowedOptions {
  std::vector<data::Item> items;
  audio::DecodeOptions decode;  // mixdown/resample; the rate is always the model's (sample_rate)
  WindowSpec spec;              // in samples at the model's rate
  Aggregate aggregate = Aggregate::kMean;
  int batch_size = 32;  // windows per forward pass; the windows of consecutive files share batches
};

// Decodes each item (the next one in the background while the model runs), cuts it into the
// windows of PlanWindows, scores all windows in batches of batch_size, and aggregates each item's
// window scores. Progress on stderr. Error naming the file for audio that cannot be decoded or is
// longer than options.decode.max_seconds (each file is held whole while its windows are cut), for a
// window whose score is not finite (before anything is returned), and naming --window for a window
// the model cannot take.
std::vector<WindowedItem> ScoreItemsWindowed(model::CountermeasureImpl& model, const WindowedOptions& options);

struct StreamSummary {
  int64_t samples = 0;           // samples read from the stream
  std::vector<double> latency_ms;  // per window: from the read that completed it to on_window's return
};

// Reads the stream to its end in pieces of at most one window (holding no more than one window of
// samples), and as soon as a window of the plan is complete scores it alone ([1, window]) and calls
// on_window(window, score) (which prints it). At the end of the stream the plan's last window (aligned
// to the end, or the tiled window of a stream shorter than one window) comes from the samples held.
// The windows and scores are those ScoreItemsWindowed gives the same audio. A non-finite window score
// is an Error naming the stream and the window, raised before on_window sees it.
StreamSummary ScoreStream(model::CountermeasureImpl& model, audio::PcmStreamReader& reader, const WindowSpec& spec,
                          const std::function<void(const Window& window, double score)>& on_window);

}  // namespace antispoof::infer
