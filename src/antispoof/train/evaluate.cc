#include "antispoof/train/evaluate.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <optional>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/data/loader.h"
#include "antispoof/data/protocol.h"
#include "antispoof/metrics/asv_scores.h"
#include "antispoof/metrics/calibration.h"
#include "antispoof/metrics/report.h"
#include "antispoof/model/runtime.h"
#include "antispoof/rundir/run_directory.h"

namespace antispoof::train {
namespace fs = std::filesystem;

std::optional<std::string> FindAsvScores(const std::string& data_root, data::Split split) {
  if (split == data::Split::kTrain) return std::nullopt;
  auto la = data::FindLaRoot(data_root);
  if (!la) return std::nullopt;
  std::string path = *la + "/ASVspoof2019_LA_asv_scores/ASVspoof2019.LA.asv." + data::SplitName(split) +
                     ".gi.trl.scores.txt";
  if (FileExists(path)) return path;
  return std::nullopt;
}

namespace {

// Error naming the checkpoint when a score is NaN or infinite (its weights are broken): nothing is
// written, so `scores_path` keeps the previous results.
void CheckFiniteScores(const std::vector<metrics::ScoreRecord>& records, const std::string& checkpoint,
                       const std::string& scores_path) {
  size_t bad = 0;
  const metrics::ScoreRecord* first = nullptr;
  for (const auto& r : records)
    if (!std::isfinite(r.score) && bad++ == 0) first = &r;
  if (bad > 0)
    FailAt(checkpoint, 0, Format("%zu of the %zu scores are not finite (first: %s, %g): the model's weights are "
                                 "broken; %s and its metrics were left as they were",
                                 bad, records.size(), first->utterance.c_str(), first->score, scores_path.c_str()));
}

}  // namespace

void CheckTestSetName(const std::string& name) {
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      Fail("test set name '" + name + "': use letters, digits, '_', '-' and '.' (it names scores_<name>.txt)");
  }
  if (name == "train" || name == "dev" || name == "eval")
    Fail("test set name '" + name + "': that is the run's own split; choose another");
}

EvalResult Evaluate(const EvalOptions& o) {
  const std::string dir = o.run_dir;
  if (!fs::is_directory(dir)) FailAt(dir, 0, "no such run directory");
  const rundir::RunDirectory files(dir);
  Config config = LoadConfig(files.config());
  ApplyKeyFlags(config, o.key_flags);
  std::optional<metrics::Calibration> calibration;  // read first: a bad file fails before scoring
  if (!o.calibration.empty()) calibration = metrics::ReadCalibration(o.calibration);
  std::string data_root = o.data_root.empty() ? rundir::ReadRunInfo(files).data_root : o.data_root;
  if (data_root.empty()) FailAt(files.run_info(), 0, "names no data_root; pass --data-root");
  const bool other_set = !o.layout.empty() || !o.protocol.empty();
  const data::Split split = data::ParseSplit(o.split);
  const data::DatasetLayout layout = data::ParseLayout(o.layout.empty() ? "auto" : o.layout);
  std::string set_name = other_set ? o.name : data::SplitName(split);
  if (other_set && !set_name.empty()) CheckTestSetName(set_name);

  std::string checkpoint = o.checkpoint;
  if (checkpoint == "best") checkpoint = files.best_checkpoint();
  if (checkpoint == "last") checkpoint = files.last_checkpoint();
  if (!FileExists(checkpoint)) FailAt(checkpoint, 0, "no such checkpoint (has the run finished an epoch?)");

  model::ConfigureThreads(config.train.threads);
  data::DatasetOptions dopt;
  dopt.skip_missing = o.skip_missing;
  data::Dataset ds;
  if (other_set) {
    data::LayoutDataset ld = data::ReadLayoutDataset(layout, data_root, o.protocol, dopt);
    if (set_name.empty()) set_name = data::LayoutName(ld.layout);
    if (!ld.protocol.has_keys) FailAt(ld.protocol.path, 0, "has no bonafide/spoof keys: a test set needs them");
    ds = std::move(ld.dataset);
  } else {
    dopt.split = split;
    ds = data::BuildDataset(data::ReadProtocol(data::FindProtocol(data_root, split)), data_root, dopt);
  }

  infer::ScoreOptions so;
  so.items = ds.items;
  so.decode = o.decode;
  so.batch_size = config.train.batch_size;
  so.num_workers = config.train.num_workers;
  model::Countermeasure net = infer::LoadModel(
      config.model, checkpoint, model::ParseDevice(config.train.device), config.train.precision);
  std::vector<infer::ScoredItem> scored = infer::ScoreItems(*net, so);

  EvalResult r;
  r.scores_path = files.scores(set_name);
  r.metrics_path = files.metrics(set_name);
  auto records = infer::ToScoreRecords(scored);
  CheckFiniteScores(records, checkpoint, r.scores_path);

  std::optional<metrics::AsvScores> asv;
  std::string asv_path = o.asv_scores;
  if (asv_path.empty() && !other_set) asv_path = FindAsvScores(data_root, split).value_or("");
  if (!asv_path.empty()) asv = metrics::ReadAsvScores(asv_path);
  // Accuracy of the argmax decision: a threshold on the score where the score alone decides it,
  // else (logits) the two outputs' argmax.
  const std::optional<double> argmax_threshold = net->ArgmaxScoreThreshold();
  metrics::MetricsReport report = metrics::ComputeMetricsReport(records, asv ? &*asv : nullptr, argmax_threshold);
  if (!argmax_threshold) report.accuracy = infer::Accuracy(scored);
  r.metrics = metrics::MetricsReportToJson(report);
  r.metrics["split"] = set_name;
  if (other_set) {
    r.metrics["data_root"] = data_root;
    r.metrics["layout"] = data::LayoutName(layout);
  }
  r.metrics["checkpoint"] = checkpoint;
  r.metrics["asv_scores"] = asv_path.empty() ? nlohmann::json() : nlohmann::json(asv_path);
  r.metrics["scores"] = r.scores_path;
  r.metrics["missing_files_skipped"] = ds.missing;
  if (calibration) {
    r.metrics["calibrated"] = metrics::CalibratedMetricsJson(*calibration, records);
    r.metrics["calibrated"]["file"] = o.calibration;
  }
  // Last, once everything above succeeded: a failure leaves the previous results as they were.
  metrics::WriteScoreFile(r.scores_path, records);
  rundir::WriteJsonFile(r.metrics_path, r.metrics);
  r.text = metrics::FormatMetricsReport(report);
  if (calibration) {
    const nlohmann::json& c = r.metrics["calibrated"];
    r.text += Format("\nCALIBRATED (%s): Cllr %.6f bits, actDCF %.6f, accuracy %.2f %% at llr >= %.4g\n",
                     o.calibration.c_str(), c["cllr"].get<double>(), c["act_dcf"].get<double>(),
                     100 * c["accuracy"].get<double>(), calibration->threshold);
  }
  return r;
}

}  // namespace antispoof::train
