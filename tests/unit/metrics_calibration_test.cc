// Linear calibration: recovers the true log-likelihood ratio of Gaussian scores (known in closed
// form), lowers Cllr and actDCF of badly calibrated scores, places thresholds by its rules, and
// reads and writes its file safely.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/metrics/calibration.h"
#include "antispoof/metrics/score_file.h"
#include "support/test_support.h"

namespace antispoof::metrics {
namespace {

struct Scores {
  std::vector<double> bona, spoof;
};

// bona fide ~ N(mu1, sigma^2), spoof ~ N(mu0, sigma^2), mapped by s -> k s + c.
Scores Gaussian(double mu1, double mu0, double sigma, size_t n, double k = 1, double c = 0) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> bona(mu1, sigma), spoof(mu0, sigma);
  Scores s;
  for (size_t i = 0; i < n; ++i) s.bona.push_back(k * bona(rng) + c);
  for (size_t i = 0; i < n; ++i) s.spoof.push_back(k * spoof(rng) + c);
  return s;
}

double Rate(const std::vector<double>& xs, const Calibration& c, bool accepted) {
  size_t n = 0;
  for (double x : xs) n += c.DecidesBonafide(x) == accepted;
  return static_cast<double>(n) / xs.size();
}

TEST(Calibration, RecoversTheTrueLlrOfGaussianScoresAtAnyPrior) {
  // The true LLR is linear: s (mu1 - mu0) / sigma^2 + (mu0^2 - mu1^2) / (2 sigma^2).
  const double mu1 = 2, mu0 = -1, sigma = 1.5;
  const double a = (mu1 - mu0) / (sigma * sigma), b = (mu0 * mu0 - mu1 * mu1) / (2 * sigma * sigma);
  const Scores s = Gaussian(mu1, mu0, sigma, 100000);
  for (double prior : {0.05, 0.5, 0.9}) {
    CalibrationFitOptions o;
    o.cost.p_spoof = prior;
    const Calibration c = FitCalibration(s.bona, s.spoof, o);
    EXPECT_NEAR(c.scale, a, 0.03) << prior;
    EXPECT_NEAR(c.offset, b, 0.03) << prior;
  }
}

TEST(Calibration, IsEquivariantToAnAffineChangeOfTheScores) {
  const Scores s = Gaussian(1, -1, 1, 5000), t = Gaussian(1, -1, 1, 5000, 250.0, -37.0);
  const Calibration cs = FitCalibration(s.bona, s.spoof), ct = FitCalibration(t.bona, t.spoof);
  for (size_t i = 0; i < 50; ++i) EXPECT_NEAR(cs.Llr(s.bona[i]), ct.Llr(t.bona[i]), 1e-6);
}

TEST(Calibration, LowersCllrAndActDcfOfMiscalibratedScores) {
  // Well separated but shifted and stretched: the raw scores are poor LLRs.
  const Scores s = Gaussian(1, -1, 0.7, 20000, 8.0, 12.0);
  const Calibration c = FitCalibration(s.bona, s.spoof);
  std::vector<double> lb, ls;
  for (double x : s.bona) lb.push_back(c.Llr(x));
  for (double x : s.spoof) ls.push_back(c.Llr(x));
  const double before = ComputeCllr(s.bona, s.spoof), after = ComputeCllr(lb, ls);
  EXPECT_GT(before, 1.0);
  EXPECT_LT(after, 0.4);
  EXPECT_LT(ComputeActDcf(lb, ls).act_dcf, ComputeActDcf(s.bona, s.spoof).act_dcf);
  // At the Bayes threshold the calibrated actDCF is close to the minimum.
  const DetCurve det = ComputeDetCurve(s.bona, s.spoof);
  EXPECT_LT(ComputeActDcf(lb, ls).act_dcf - ComputeMinDcf(det).min_dcf, 0.02);
  EXPECT_DOUBLE_EQ(c.threshold, BayesThreshold({}));
}

TEST(Calibration, TargetRateThresholdsHoldOnTheCalibrationSet) {
  const Scores s = Gaussian(1, -1, 1, 1000);
  CalibrationFitOptions o;
  o.rule = ThresholdRule::kTargetFar;
  o.target = 0.01;
  Calibration c = FitCalibration(s.bona, s.spoof, o);
  EXPECT_LE(Rate(s.spoof, c, true), 0.01);
  EXPECT_GE(Rate(s.spoof, c, true), 0.009);  // the threshold is as low as the target allows
  o.rule = ThresholdRule::kTargetFrr;
  o.target = 0.05;
  c = FitCalibration(s.bona, s.spoof, o);
  EXPECT_LE(Rate(s.bona, c, false), 0.05);
  EXPECT_GE(Rate(s.bona, c, false), 0.049);
  o.target = 1.5;
  EXPECT_THROW(FitCalibration(s.bona, s.spoof, o), Error);
}

TEST(Calibration, SeparableScoresGetAFiniteSteepMap) {
  const Calibration c = FitCalibration({3, 4, 5}, {-5, -4, -3});
  EXPECT_TRUE(std::isfinite(c.scale));
  EXPECT_GT(c.scale, 1.0);
  EXPECT_TRUE(c.DecidesBonafide(3));
  EXPECT_FALSE(c.DecidesBonafide(-3));
}

TEST(Calibration, RefusesWhatCannotBeCalibrated) {
  auto error = [](auto f) { return testing::ErrorMessageOf(f); };
  EXPECT_NE(error([] { FitCalibration({-1, -2, -3}, {1, 2, 3}); }).find("do not rank bona fide above spoof"),
            std::string::npos);
  EXPECT_NE(error([] { FitCalibration({}, {1}); }).find("needs bona fide and spoof"), std::string::npos);
  EXPECT_NE(error([] { FitCalibration({1, NAN}, {0}); }).find("not finite"), std::string::npos);
  EXPECT_NE(error([] { FitCalibration({1, 1}, {1}); }).find("every score is the same"), std::string::npos);
  CalibrationFitOptions o;
  o.cost.p_spoof = 1.0;
  EXPECT_THROW(FitCalibration({1}, {0}, o), Error);
  Calibration c;
  c.scale = 1e308;
  EXPECT_THROW(c.Llr(1e10), Error);
}

TEST(Calibration, FileRoundTripsAndIsNeverWrittenOverAnotherFile) {
  const std::string dir = testing::TempDir();
  CalibrationFitOptions o;
  o.rule = ThresholdRule::kTargetFrr;
  o.target = 0.1;
  Calibration c = FitCalibration({1, 2, 3, 0.5}, {-1, 0.7, -2}, o);
  c.fitted_on = "dev.txt";
  WriteCalibration(dir + "/cal.json", c);
  const Calibration r = ReadCalibration(dir + "/cal.json");
  EXPECT_EQ(r.ToJson(), c.ToJson());
  WriteCalibration(dir + "/cal.json", c);  // its own file: replaced
  std::ofstream(dir + "/notes.txt") << "my notes\n";
  const std::string e = testing::ErrorMessageOf([&] { WriteCalibration(dir + "/notes.txt", c); });
  EXPECT_NE(e.find("refusing to replace it"), std::string::npos) << e;
  EXPECT_EQ(ReadFile(dir + "/notes.txt"), "my notes\n");
  nlohmann::json j = c.ToJson();
  j["scale"] = -1;
  EXPECT_NE(testing::ErrorMessageOf([&] { Calibration::FromJson(j, "x.json"); }).find("x.json: scale"),
            std::string::npos);
  j = c.ToJson();
  j.erase("offset");
  EXPECT_NE(testing::ErrorMessageOf([&] { Calibration::FromJson(j, "x.json"); }).find("missing key 'offset'"),
            std::string::npos);
  j = c.ToJson();
  j["threshold_rule"] = "eer";
  EXPECT_NE(testing::ErrorMessageOf([&] { Calibration::FromJson(j, "x.json"); }).find("threshold_rule"),
            std::string::npos);
}

// Real scores: RawGAT-ST on ASVspoof 2019 LA eval. Its raw scores are far from LLRs; calibrated on
// the same set (a best case) Cllr and actDCF must fall.
TEST(Calibration, RealScoresOfRawGatSt) {
  ANTISPOOF_REQUIRE_SHARED();
  const ScoreFile file =
      ReadScoreFile(testing::SharedDir() + "/asvspoof2019/cm_scores/RawGAT-ST_mul_eval_scores.txt");
  std::vector<double> bona, spoof;
  for (const ScoreRecord& r : file.records) (r.key == TrialKey::kBonafide ? bona : spoof).push_back(r.score);
  const Calibration c = FitCalibration(bona, spoof);
  std::vector<double> lb, ls;
  for (double x : bona) lb.push_back(c.Llr(x));
  for (double x : spoof) ls.push_back(c.Llr(x));
  const double cllr_before = ComputeCllr(bona, spoof), cllr_after = ComputeCllr(lb, ls);
  const double act_before = ComputeActDcf(bona, spoof).act_dcf, act_after = ComputeActDcf(lb, ls).act_dcf;
  std::printf("RawGAT-ST: scale %.6g offset %.6g; Cllr %.6f -> %.6f bits; actDCF %.6f -> %.6f\n", c.scale, c.offset,
              cllr_before, cllr_after, act_before, act_after);
  EXPECT_LT(cllr_after, cllr_before);
  EXPECT_LE(act_after, act_before + 1e-12);
}

}  // namespace
}  // namespace antispoof::metrics
