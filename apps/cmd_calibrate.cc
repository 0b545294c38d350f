// antispoof calibrate: fits the affine map that turns a score file's scores into log-likelihood
// ratios (prior-weighted logistic regression), reports Cllr, actDCF, minDCF and EER before and
// after, and writes the calibration file that score, eval and the experiment accept.
#include <cstdio>
#include <memory>
#include <string>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/metrics/asvspoof5_files.h"
#include "antispoof/metrics/calibration.h"
#include "antispoof/metrics/dcf.h"
#include "antispoof/metrics/score_file.h"
#include "command.h"

namespace {
namespace metrics = antispoof::metrics;

struct CalibrateArgs {
  std::string scores, protocol, out;
  metrics::CalibrationFitOptions fit;
  double target_far = 0, target_frr = 0;
  bool json = false;
};

int RunCalibrate(const CalibrateArgs& a, bool far_given, bool frr_given) {
  if (far_given && frr_given) throw antispoof::Error("--target-far and --target-frr: give one of them");
  metrics::CalibrationFitOptions fit = a.fit;
  if (far_given) fit.rule = metrics::ThresholdRule::kTargetFar, fit.target = a.target_far;
  if (frr_given) fit.rule = metrics::ThresholdRule::kTargetFrr, fit.target = a.target_frr;
  if (fit.rule != metrics::ThresholdRule::kBayes && !(fit.target > 0 && fit.target < 1))
    throw antispoof::Error(std::string(far_given ? "--target-far" : "--target-frr") + ": must be in (0, 1)");
  try {
    metrics::BayesThreshold(fit.cost);
  } catch (const antispoof::Error& e) {
    throw antispoof::Error(std::string("--prior, --c-miss, --c-fa: ") + e.what());
  }
  metrics::ScoreFile scores = metrics::ReadScoreFile(a.scores);
  if (!a.protocol.empty()) {
    metrics::JoinKeyFile(scores, a.protocol);
  } else if (!scores.has_keys()) {
    throw antispoof::Error(a.scores + ": the score file has no keys; pass --protocol (a CM protocol or an ASVspoof 5 key file)");
  }
  const auto [bona, spoof] = metrics::SplitByKey(scores.records, a.scores);
  metrics::Calibration c = metrics::FitCalibration(bona, spoof, fit);
  c.fitted_on = a.scores;
  std::vector<double> llr_bona, llr_spoof;
  for (double s : bona) llr_bona.push_back(c.Llr(s));
  for (double s : spoof) llr_spoof.push_back(c.Llr(s));
  metrics::WriteCalibration(a.out, c);
  nlohmann::json result = c.ToJson();
  result["before"] = metrics::Asvspoof5FiguresJson(bona, spoof, fit.cost);
  result["after"] = metrics::Asvspoof5FiguresJson(llr_bona, llr_spoof, fit.cost);
  result["written_to"] = a.out;
  if (a.json) {
    std::printf("%s\n", result.dump(2).c_str());
    return 0;
  }
  std::printf("calibration of %s (%zu bona fide, %zu spoof; p_spoof %g, c_miss %g, c_fa %g)\n", a.scores.c_str(),
              bona.size(), spoof.size(), fit.cost.p_spoof, fit.cost.c_miss, fit.cost.c_fa);
  std::printf("  llr = %.9g * score + %.9g; decision: llr >= %.6g (%s)\n", c.scale, c.offset, c.threshold,
              metrics::ToString(c.rule).c_str());
  std::printf("  %-8s %10s %10s\n", "", "before", "after");
  for (const char* key : {"cllr", "act_dcf", "min_dcf", "eer"})
    std::printf("  %-8s %10.6f %10.6f\n", key, result["before"][key].get<double>(), result["after"][key].get<double>());
  std::printf("written to %s\n", a.out.c_str());
  return 0;
}

antispoof::cli::Registration reg{{"calibrate", "Fit scores -> log-likelihood ratios on a score file (dev), report "
                                               "Cllr/actDCF before and after, write a calibration file",
                                  [](CLI::App& sub) {
  auto a = std::make_shared<CalibrateArgs>();
  sub.add_option("--scores", a->scores, "Score file with keys (or with --protocol); higher = more bona fide")->required();
  sub.add_option("--protocol", a->protocol, "CM protocol or ASVspoof 5 key file giving the keys");
  sub.add_option("-o,--out", a->out, "Calibration file to write (JSON; replaces only an earlier calibration)")->required();
  sub.add_option("--prior", a->fit.cost.p_spoof, "Prior of a spoof for the fit and the Bayes decision (ASVspoof 5: 0.05)")
      ->capture_default_str();
  sub.add_option("--c-miss", a->fit.cost.c_miss, "Cost of rejecting bona fide (ASVspoof 5: 1)")->capture_default_str();
  sub.add_option("--c-fa", a->fit.cost.c_fa, "Cost of accepting a spoof (ASVspoof 5: 10)")->capture_default_str();
  auto* far = sub.add_option("--target-far", a->target_far,
                             "Decide at the threshold whose false-acceptance rate on these scores is at most this");
  auto* frr = sub.add_option("--target-frr", a->target_frr,
                             "Decide at the threshold whose false-rejection rate on these scores is at most this");
  sub.add_flag("--json", a->json, "Print the calibration and the before/after figures as JSON");
  return std::function<int()>([a, far, frr] { return RunCalibrate(*a, far->count() > 0, frr->count() > 0); });
}, 32}};
}  // namespace
