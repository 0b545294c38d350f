// antispoof eval: score a run's dev or eval split and compute the official metrics.
#include <cstdio>

#include "antispoof/train/evaluate.h"
#include "command.h"

namespace {
antispoof::cli::Registration reg{{"eval", "Score a trained run on a split; write scores and metrics",
                                  [](CLI::App& sub) {
  auto o = std::make_shared<antispoof::train::EvalOptions>();
  auto json = std::make_shared<bool>(false);
  sub.add_option("--run", o->run_dir, "Run directory written by antispoof train")->required();
  sub.add_option("--split", o->split, "eval or dev")->check(CLI::IsMember({"eval", "dev"}));
  sub.add_option("--checkpoint", o->checkpoint, "best, last or a .pth path");
  sub.add_option("--data-root", o->data_root, "Data root (default: the run's)");
  sub.add_option("--layout", o->layout,
                 "Test on another data set instead of the run's split: its layout (auto, la2019, la2021, df2021, "
                 "asvspoof5, itw, folder; docs/layouts.md) under --data-root; writes scores_NAME.txt and "
                 "metrics_NAME.json");
  sub.add_option("--protocol", o->protocol, "Another test set's protocol or key file (implies --layout auto)");
  sub.add_option("--name", o->name, "Name of that test set's files (default: the layout's name)");
  sub.add_option("--asv-scores", o->asv_scores, "ASV score file for t-DCF (default: the layout's, if any)");
  antispoof::cli::AddKeyFlag(sub, o->key_flags, "--threads", "threads",
                             "Intra-op threads, 0 = all cores (default: the run's)");
  antispoof::cli::AddKeyFlag(sub, o->key_flags, "--device", "device", "cpu, cuda or cuda:N (default: the run's)");
  antispoof::cli::AddKeyFlag(sub, o->key_flags, "--precision", "precision", "fp32, bf16 or int8 (default: the run's)");
  antispoof::cli::AddKeyFlag(sub, o->key_flags, "--batch-size", "batch_size",
                             "Scoring batch size (default: the run's)");
  sub.add_option("--calibration", o->calibration,
                 "Calibration file (antispoof calibrate): also report Cllr, actDCF and accuracy on its "
                 "log-likelihood ratios");
  antispoof::cli::AddAudioInputFlags(sub, o->decode, o->skip_missing);
  sub.add_flag("--json", *json, "Print the metrics JSON instead of the official layout");
  return std::function<int()>([o, json] {
    auto r = antispoof::train::Evaluate(*o);
    std::fprintf(stderr, "wrote %s and %s\n", r.scores_path.c_str(), r.metrics_path.c_str());
    std::printf("%s\n", *json ? r.metrics.dump(2).c_str() : r.text.c_str());
    return 0;
  });
}, 30}};
}  // namespace
