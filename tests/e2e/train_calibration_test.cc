// Calibration through the binary on the tiny real-speech corpus: `calibrate` on a run's dev scores,
// then `eval --calibration` and `score --calibration` use it; the file never replaces another.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace {
using antispoof::testing::RunAntispoof;
using antispoof::testing::Slurp;

nlohmann::json Json(const std::string& text) { return nlohmann::json::parse(text); }

TEST(Calibration, FittedOnDevThenUsedByEvalAndScore) {
  const std::string corpus = antispoof::testing::TinyCorpusDir();
  const std::string dir = antispoof::testing::TempDir();
  const std::string config = dir + "/tiny.yaml", run = dir + "/run";
  std::ofstream(config) << "batch_size: 4\nnum_epochs: 1\nlr: 0.001\nthreads: 2\nmodel:\n  nb_samp: 16000\n"
                           "  filts: [20, [20, 20], [20, 32], [32, 32]]\n  nb_fc_node: 16\n  gru_node: 16\n";
  ASSERT_EQ(RunAntispoof("train -c '" + config + "' --data-root '" + corpus + "' -o '" + run + "'").exit_code, 0);
  ASSERT_EQ(RunAntispoof("eval --run '" + run + "' --split dev").exit_code, 0);

  // At prior 0.5 the fit minimises Cllr itself: on the fitting set it can only fall.
  auto fit = RunAntispoof("calibrate --scores '" + run + "/scores_dev.txt' --prior 0.5 -o '" + run + "/cal.json' --json");
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  const nlohmann::json c = Json(fit.out);
  EXPECT_LE(c["after"]["cllr"].get<double>(), c["before"]["cllr"].get<double>() + 1e-6) << fit.out;
  EXPECT_DOUBLE_EQ(c["after"]["min_dcf"].get<double>(), c["before"]["min_dcf"].get<double>());  // monotone map
  EXPECT_GT(c["scale"].get<double>(), 0);
  // The default prior (0.05) and its Bayes threshold, printed for people.
  auto text = RunAntispoof("calibrate --scores '" + run + "/scores_dev.txt' -o '" + run + "/cal.json'");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("decision: llr >= -0.641854 (bayes)"), std::string::npos) << text.out;
  const nlohmann::json cal = Json(Slurp(run + "/cal.json"));

  auto eval = RunAntispoof("eval --run '" + run + "' --calibration '" + run + "/cal.json' --json");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const nlohmann::json m = Json(eval.out);
  ASSERT_TRUE(m.contains("calibrated")) << eval.out;
  for (const char* key : {"min_dcf", "act_dcf", "cllr", "eer", "accuracy"}) EXPECT_TRUE(m["calibrated"][key].is_number()) << key;
  EXPECT_NEAR(m["calibrated"]["eer"].get<double>(), m["eer"].get<double>(), 1e-12);  // a monotone map

  // score prints the LLR of the raw score and decides at the calibration's threshold.
  std::istringstream first(Slurp(run + "/scores_eval.txt"));
  std::string utt, attack, key;
  double raw = 0;
  first >> utt >> attack >> key >> raw;
  const std::string file = corpus + "/LA/ASVspoof2019_LA_eval/flac/" + utt + ".flac";
  auto score = RunAntispoof("score -c '" + run + "/config.yaml' --checkpoint '" + run + "/best.pth' --calibration '" +
                            run + "/cal.json' --json '" + file + "'");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  const nlohmann::json s = Json(score.out)[0];
  const double llr = cal["scale"].get<double>() * raw + cal["offset"].get<double>();
  EXPECT_NEAR(s["score"].get<double>(), raw, 1e-4);
  EXPECT_NEAR(s["llr"].get<double>(), llr, 1e-4 * cal["scale"].get<double>() + 1e-9);
  EXPECT_EQ(s["decision"], s["llr"].get<double>() >= cal["threshold"].get<double>() ? "bonafide" : "spoof");

  // A calibration never replaces a file antispoof did not write as one.
  const std::string before = Slurp(run + "/config.yaml");
  auto refused = RunAntispoof("calibrate --scores '" + run + "/scores_dev.txt' -o '" + run + "/config.yaml'");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("refusing to replace it"), std::string::npos) << refused.err;
  EXPECT_EQ(Slurp(run + "/config.yaml"), before);
  auto bad = RunAntispoof("calibrate --scores '" + run + "/scores_dev.txt' --target-far 2 -o '" + dir + "/x.json'");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--target-far: must be in (0, 1)"), std::string::npos) << bad.err;
}

}  // namespace
