// Scoring a run's split with its model (`antispoof eval`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "antispoof/audio/audio.h"
#include "antispoof/config/key_flags.h"
#include "antispoof/data/layout.h"
#include "antispoof/infer/scoring.h"

namespace antispoof::train {

struct EvalOptions {
  std::string run_dir;
  std::string split = "eval";       // eval | dev
  std::string checkpoint = "best";  // best | last | a .pth path
  std::string data_root;            // default: the run's (run.json)
  std::string asv_scores;           // default: the layout's ASV score file of the split, if present
  bool skip_missing = false;
  audio::DecodeOptions decode;
  // --threads, --device, --batch-size: keys of the run's config set for this scoring (the run's values
  // by default), under the keys' own rules.
  std::vector<KeyFlag> key_flags;
  // A calibration file (antispoof calibrate): the metrics JSON gains "calibrated" (the ASVspoof 5
  // figures and the decisions' accuracy on its log-likelihood ratios); the score file stays raw.
  std::string calibration;
  // Another test set (data/layout.h): with `layout` or `protocol` set, the items are those of
  // ReadLayoutDataset(layout, data_root, protocol) instead of the run's split, and the files are
  // scores_<name>.txt and metrics_<name>.json (name: default the layout's name; not train, dev or
  // eval, which are the run's own). No ASV scores unless asv_scores is given.
  std::string layout;               // auto, la2019, la2021, df2021, asvspoof5, itw, folder
  std::string protocol;
  std::string name;
};

struct EvalResult {
  std::string scores_path;
  std::string metrics_path;
  nlohmann::json metrics;  // the metrics JSON (antispoof metrics --json schema)
  std::string text;        // the official printed layout
};

// Writes RUN_DIR/scores_<split>.txt (4 columns, replaced, never appended) and
// RUN_DIR/metrics_<split>.json. Both are replaced only once the new results are complete and every
// score is finite: a broken checkpoint (NaN weights) is an Error naming it, and the previous files
// stay byte-identical.
EvalResult Evaluate(const EvalOptions& options);

// Error unless `name` can name another test set's files: letters, digits, '_', '-', '.', and not
// train, dev or eval.
void CheckTestSetName(const std::string& name);

// The layout's ASV score file for a split, when present.
std::optional<std::string> FindAsvScores(const std::string& data_root, data::Split split);

}  // namespace antispoof::train
