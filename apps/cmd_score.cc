// antispoof score: UTT SCORE lines (the model's bona fide output: log P(bona fide) for RawNet2, the
// bona fide logit for AASIST; higher = more bona fide) for files, folders or a protocol.
#include <cmath>
#include <cstdio>
#include <optional>

#include "antispoof/common/error.h"
#include "antispoof/config/config.h"
#include "antispoof/data/layout.h"
#include "antispoof/data/protocol.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/metrics/calibration.h"
#include "antispoof/model/runtime.h"
#include "command.h"

namespace {
struct ScoreArgs {
  std::string config, checkpoint, protocol, data_root, device = "cpu", calibration;
  std::vector<std::string> paths;
  double threshold = std::nan("");
  int batch_size = 32, threads = 0;
  bool json = false, skip_missing = false;
  antispoof::audio::DecodeOptions decode;
};

antispoof::cli::Registration reg{{"score", "Score audio files, folders or a protocol with a checkpoint",
                                  [](CLI::App& sub) {
  auto a = std::make_shared<ScoreArgs>();
  sub.add_option("-c,--config", a->config, "YAML config of the checkpoint's model")->required();
  sub.add_option("--checkpoint", a->checkpoint, ".pth weights (antispoof's or the reference's)")->required();
  sub.add_option("paths", a->paths, "Audio files and/or folders");
  sub.add_option("--protocol", a->protocol, "Score the utterances of a protocol (with --data-root)");
  sub.add_option("--data-root", a->data_root, "Where the protocol's audio is (ASVspoof layout or a flat folder)");
  sub.add_option("--threshold", a->threshold,
                 "Add a decision column: bonafide if SCORE > T, else spoof (RawNet2's argmax: -0.6931, "
                 "log 1/2; AASIST's scores are logits: 0 is a neutral choice)");
  sub.add_option("--batch-size", a->batch_size, "Utterances per batch");
  sub.add_option("--threads", a->threads, "Intra-op threads (0 = all cores)");
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N");
  sub.add_option("--calibration", a->calibration,
                 "Calibration file from `antispoof calibrate`: print log-likelihood ratios (natural log, "
                 "bona fide vs spoof) and a decision at its threshold (Bayes, or its target rate) unless "
                 "--threshold is given (then on the LLR)");
  sub.add_flag("--json", a->json, "Print a JSON array of {utt, score[, llr][, decision]}");
  antispoof::cli::AddAudioInputFlags(sub, a->decode, a->skip_missing);
  return std::function<int()>([a] {
    namespace infer = antispoof::infer;
    const antispoof::Config config = antispoof::LoadConfig(a->config);
    infer::ScoreOptions o;
    o.batch_size = a->batch_size;
    o.decode = a->decode;
    if (!a->protocol.empty()) {
      if (a->data_root.empty()) throw antispoof::Error("--protocol needs --data-root");
      antispoof::data::DatasetOptions dopt;
      dopt.skip_missing = a->skip_missing;
      o.items = antispoof::data::BuildDataset(antispoof::data::ReadProtocol(a->protocol), a->data_root, dopt).items;
    }
    if (!a->paths.empty()) {
      auto more = infer::ItemsFromPaths(a->paths);
      o.items.insert(o.items.end(), more.begin(), more.end());
    }
    if (o.items.empty()) throw antispoof::Error("nothing to score: give files, folders or --protocol");
    std::optional<antispoof::metrics::Calibration> calibration;
    if (!a->calibration.empty()) calibration = antispoof::metrics::ReadCalibration(a->calibration);
    antispoof::model::ConfigureThreads(a->threads);
    auto net = infer::LoadModel(config.model, a->checkpoint, antispoof::model::ParseDevice(a->device));
    auto scored = infer::ScoreItems(*net, o);
    // Without a calibration the decision is `score > --threshold`; with one, `llr >= threshold`.
    const bool decide = !std::isnan(a->threshold) || calibration;
    const double threshold = !std::isnan(a->threshold) ? a->threshold : calibration ? calibration->threshold : 0.0;
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : scored) {
      const double value = calibration ? calibration->Llr(s.score) : s.score;
      const bool bonafide = calibration ? value >= threshold : value > threshold;
      nlohmann::json j = {{"utt", s.utt}, {"score", s.score}};
      if (calibration) j["llr"] = value;
      if (decide) j["decision"] = bonafide ? "bonafide" : "spoof";
      if (a->json) {
        out.push_back(j);
      } else if (decide) {
        std::printf("%s %.6f %s\n", s.utt.c_str(), value, bonafide ? "bonafide" : "spoof");
      } else {
        std::printf("%s %.6f\n", s.utt.c_str(), value);
      }
    }
    if (a->json) std::printf("%s\n", out.dump(2).c_str());
    return 0;
  });
}, 25}};
}  // namespace
