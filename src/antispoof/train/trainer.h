// Training with the reference recipe of the config's architecture, model selection on dev, and checkpoints that
// survive a kill at any moment (written atomically; --resume continues bit-identically).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "antispoof/audio/audio.h"
#include "antispoof/config/config.h"
#include "antispoof/train/distributed.h"

namespace antispoof::train {

struct TrainOptions {
  Config config;            // resolved: file + command-line overrides
  std::string data_root;    // ASVspoof layout (the LA folder or its parent)
  std::string out_dir;      // the run directory (docs/run_directory.md)
  bool resume = false;
  bool skip_missing = false;
  audio::DecodeOptions decode;  // mixdown/resample; the rate is always the model's (sample_rate)
  std::string command_line;
  // Data-parallel training (docs/distributed.md); resolved (ResolveDistOptions). The default is a
  // single process.
  DistOptions dist = ResolveDistOptions({}, [](const char*) { return nullptr; });
};

// Runs (or resumes) the whole recipe; returns summary.json's content. Errors before any training
// for a config/data mismatch (empty split, no bona fide or no spoof trials, missing files).
// A NaN or infinite loss stops with an Error naming the epoch and iteration; last.pth keeps the
// last good epoch.
nlohmann::json Train(const TrainOptions& options);

// {"antispoof", "libtorch", "compiler"}: the versions saved beside every result.
nlohmann::json Versions();

}  // namespace antispoof::train
