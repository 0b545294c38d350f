#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/metrics/dcf.h"
#include "antispoof/metrics/det.h"
#include "antispoof/metrics/report.h"
#include "antispoof/metrics/score_file.h"
#include "support/test_support.h"

namespace antispoof::metrics {
namespace {

// The toy set of metrics_det_tdcf_test.cc. Stable sort, bona fide first on ties:
//   -1s 0s .5b .5b .5s .5s 1b 1.5s 2b
// frr = 0 0 0 .25 .5 .5 .5 .75 .75 1, far = 1 .8 .6 .6 .6 .4 .2 .2 0 0.
const std::vector<double> kToyBonafide = {.5, .5, 1, 2};
const std::vector<double> kToySpoof = {.5, -1, 0, 1.5, .5};

// The default cost model: weights Cmiss (1 - Pspoof) = .95 and Cfa Pspoof = .5, normaliser .5,
// so the normalised DCF is 1.9 Pmiss + Pfa.
TEST(Dcf, DefaultNormalisedDcfIsLinearInTheRates) {
  EXPECT_NEAR(NormalisedDcf(0, 1), 1.0, 1e-15);  // accept everything
  EXPECT_NEAR(NormalisedDcf(1, 0), 1.9, 1e-15);  // reject everything
  EXPECT_NEAR(NormalisedDcf(.25, .4), 1.9 * .25 + .4, 1e-15);
  EXPECT_EQ(NormalisedDcf(0, 0), 0.0);
}

TEST(Dcf, ToyMinDcfByHand) {
  // 1.9 frr + far = 1, .8, .6, 1.075, 1.55, 1.35, 1.15, 1.625, 1.425, 1.9: minimum .6 at k = 2.
  MinDcfPoint point = ComputeMinDcf(ComputeDetCurve(kToyBonafide, kToySpoof));
  EXPECT_NEAR(point.min_dcf, 0.6, 1e-15);
  EXPECT_EQ(point.index, 2u);
  EXPECT_EQ(point.threshold, 0.0);  // thresholds[2] = the 2nd lowest score
  EXPECT_EQ(point.pmiss, 0.0);
  EXPECT_DOUBLE_EQ(point.pfa, 0.6);
}

TEST(Dcf, BayesThresholdOfTheDefaultModel) {
  EXPECT_NEAR(BayesThreshold(), std::log(0.5 / 0.95), 1e-15);
  EXPECT_NEAR(BayesThreshold(), -0.64185388617239469, 1e-15);
  // Equal priors and costs: threshold 0 (a score is bona fide when LLR >= 0).
  EXPECT_EQ(BayesThreshold({0.5, 1.0, 1.0}), 0.0);
}

TEST(Dcf, ToyActDcfByHand) {
  // Threshold -.642: no bona fide score below it; spoof .5, 0, 1.5, .5 at or above it (4 of 5).
  ActDcfPoint point = ComputeActDcf(kToyBonafide, kToySpoof);
  EXPECT_EQ(point.pmiss, 0.0);
  EXPECT_DOUBLE_EQ(point.pfa, 0.8);
  EXPECT_NEAR(point.act_dcf, 0.8, 1e-15);
}

TEST(Dcf, ToyWithAnotherCostModel) {
  // Pspoof .8, Cmiss = Cfa = 1: weights .2 (bona fide) and .8 (spoof), normaliser .2, so the
  // normalised DCF is frr + 4 far = 4, 3.2, 2.4, 2.65, 2.9, 2.1, 1.3, 1.55, .75, 1: min .75 at k
  // = 8.
  const DcfCostModel cost{0.8, 1.0, 1.0};
  MinDcfPoint min = ComputeMinDcf(ComputeDetCurve(kToyBonafide, kToySpoof), cost);
  EXPECT_NEAR(min.min_dcf, 0.75, 1e-15);
  EXPECT_EQ(min.index, 8u);
  EXPECT_EQ(min.threshold, 1.5);
  // Threshold log(.8 / .2) = log 4 = 1.386: bona fide .5 .5 1 below (3/4), spoof 1.5 above (1/5):
  // (.2 * .75 + .8 * .2) / .2 = 1.55.
  ActDcfPoint act = ComputeActDcf(kToyBonafide, kToySpoof, cost);
  EXPECT_NEAR(act.threshold, std::log(4.0), 1e-15);
  EXPECT_DOUBLE_EQ(act.pmiss, 0.75);
  EXPECT_DOUBLE_EQ(act.pfa, 0.2);
  EXPECT_NEAR(act.act_dcf, 1.55, 1e-14);
}

TEST(Dcf, CllrClosedForms) {
  // All-zero scores carry no information: softplus(0) = log 2 on both sides, Cllr = 1 bit.
  EXPECT_NEAR(ComputeCllr({0, 0}, {0}), 1.0, 1e-15);
  // LLR +-log 3 on the right sides: softplus(-log 3) = log(4/3) twice, Cllr = log2(4/3).
  EXPECT_NEAR(ComputeCllr({std::log(3.0)}, {-std::log(3.0)}), std::log2(4.0 / 3.0), 1e-15);
  // The same scores on the wrong sides: softplus(log 3) = log 4, Cllr = 2 bits.
  EXPECT_NEAR(ComputeCllr({-std::log(3.0)}, {std::log(3.0)}), 2.0, 1e-15);
  // Class means are taken separately: bona fide {log 3, 0} averages log(4/3) and log 2.
  EXPECT_NEAR(
      ComputeCllr({std::log(3.0), 0}, {-std::log(3.0)}),
      0.5 * ((std::log(4.0 / 3.0) + std::log(2.0)) / 2 + std::log(4.0 / 3.0)) / std::log(2.0),
      1e-15);
}

TEST(Dcf, ToyFiguresMatchTheOfficialPackage) {
  // The package's calculate_CLLR / compute_mindcf / compute_actDCF / compute_eer on the toy set
  // (printed with %.17g).
  Asvspoof5CmMetrics m = ComputeAsvspoof5CmMetrics(kToyBonafide, kToySpoof);
  EXPECT_NEAR(m.min_dcf.min_dcf, 0.59999999999999998, 1e-15);
  EXPECT_NEAR(m.act_dcf.act_dcf, 0.80000000000000004, 1e-15);
  EXPECT_NEAR(m.cllr, 0.92208493049192275, 1e-15);
  EXPECT_NEAR(m.eer.eer, 0.55000000000000004, 1e-15);
}

TEST(Dcf, PerfectSeparation) {
  // Separated but miscalibrated: minDCF 0, yet at the Bayes threshold (-.642) both spoofs (0, 1)
  // are accepted, so actDCF = Pfa = 1.
  Asvspoof5CmMetrics shifted = ComputeAsvspoof5CmMetrics({2, 3}, {0, 1});
  EXPECT_EQ(shifted.min_dcf.min_dcf, 0.0);
  EXPECT_EQ(shifted.min_dcf.threshold, 1.0);
  EXPECT_NEAR(shifted.act_dcf.act_dcf, 1.0, 1e-15);
  EXPECT_EQ(shifted.eer.eer, 0.0);
  EXPECT_NEAR(shifted.cllr, 0.78696281680474345, 1e-15);  // the package's figure
  // Separated around the Bayes threshold: actDCF 0 too, and large LLRs drive Cllr towards 0.
  Asvspoof5CmMetrics calibrated = ComputeAsvspoof5CmMetrics({2, 3}, {-5, -3});
  EXPECT_EQ(calibrated.min_dcf.min_dcf, 0.0);
  EXPECT_EQ(calibrated.act_dcf.act_dcf, 0.0);
  EXPECT_NEAR(calibrated.cllr, 0.083250018593855071, 1e-15);  // the package's figure
  EXPECT_NEAR(ComputeCllr({40}, {-40}), 0.0, 1e-15);
}

TEST(Dcf, TiedScores) {
  // All four scores equal: bona fide sorts first, so no threshold separates anything and the
  // cheapest point is k = 0 (accept all: cost Pfa = 1, the normaliser itself).
  Asvspoof5CmMetrics tied = ComputeAsvspoof5CmMetrics({1, 1}, {1, 1});
  EXPECT_EQ(tied.min_dcf.min_dcf, 1.0);
  EXPECT_EQ(tied.min_dcf.index, 0u);
  EXPECT_EQ(tied.min_dcf.threshold, 1.0 - 0.001);
  EXPECT_EQ(tied.eer.eer, 1.0);  // the package's compute_eer gives 1 here too
  // A score exactly at the Bayes threshold is accepted as bona fide (>=): the bona fide score is
  // no miss, the spoof score a false alarm.
  const double t = BayesThreshold();
  ActDcfPoint at_threshold = ComputeActDcf({t}, {t});
  EXPECT_EQ(at_threshold.pmiss, 0.0);
  EXPECT_EQ(at_threshold.pfa, 1.0);
  EXPECT_NEAR(at_threshold.act_dcf, 1.0, 1e-15);
  // Just below it the bona fide score is a miss and the spoof score is rejected.
  const double below = std::nextafter(t, -INFINITY);
  EXPECT_NEAR(ComputeActDcf({below}, {below}).act_dcf, 1.9, 1e-15);
}

TEST(Dcf, MinDcfTakesTheFirstMinimum) {
  // Pspoof .5, Cmiss = Cfa = 1: normalised DCF = frr + far = 1 at every point of a reversed
  // pair (bona fide 0, spoof 1): 0 + 1, 1 + 1, 1 + 0. The first (k = 0) wins.
  MinDcfPoint point = ComputeMinDcf(ComputeDetCurve({0}, {1}), {0.5, 1.0, 1.0});
  EXPECT_EQ(point.min_dcf, 1.0);
  EXPECT_EQ(point.index, 0u);
}

TEST(Dcf, CllrStaysFiniteWhereThePackageOverflows) {
  // log1p(exp(800)) is inf in the package; softplus(800) = 800 here: Cllr = 800 / ln 2.
  EXPECT_NEAR(ComputeCllr({-800}, {800}), 800 / std::log(2.0), 1e-9);
  EXPECT_EQ(ComputeCllr({800}, {-800}), 0.0);
  // Scores near the double range overflow the mean: an Error, not inf.
  EXPECT_THROW(ComputeCllr({-1e308, -1e308}, {1e308}), Error);
}

TEST(Dcf, NonFiniteScoresFail) {
  for (double bad : {NAN, INFINITY, -INFINITY}) {
    EXPECT_THROW(ComputeActDcf({bad, 1}, {0}), Error) << bad;
    EXPECT_THROW(ComputeActDcf({1}, {0, bad}), Error) << bad;
    EXPECT_THROW(ComputeCllr({bad}, {0}), Error) << bad;
    EXPECT_THROW(ComputeCllr({1}, {bad}), Error) << bad;
    EXPECT_THROW(ComputeAsvspoof5CmMetrics({1, bad}, {0}), Error) << bad;
  }
}

TEST(Dcf, EmptyOrOneClassFails) {
  const std::string message = testing::ErrorMessageOf([] { ComputeActDcf({1, 2}, {}); });
  EXPECT_NE(message.find("2 bona fide and 0 spoof"), std::string::npos) << message;
  EXPECT_THROW(ComputeActDcf({}, {1}), Error);
  EXPECT_THROW(ComputeCllr({}, {1}), Error);
  EXPECT_THROW(ComputeCllr({1}, {}), Error);
  EXPECT_THROW(ComputeAsvspoof5CmMetrics({}, {}), Error);
  EXPECT_THROW(ComputeMinDcf(DetCurve{}), Error);
}

TEST(Dcf, BadCostModelFails) {
  for (const DcfCostModel& bad :
       {DcfCostModel{0.0, 1, 10}, DcfCostModel{1.0, 1, 10}, DcfCostModel{NAN, 1, 10},
        DcfCostModel{0.05, 0, 10}, DcfCostModel{0.05, 1, -10}, DcfCostModel{0.05, 1, INFINITY}}) {
    EXPECT_THROW(BayesThreshold(bad), Error);
    EXPECT_THROW(NormalisedDcf(0, 0, bad), Error);
    EXPECT_THROW(ComputeMinDcf(ComputeDetCurve({1}, {0}), bad), Error);
  }
  const std::string message = testing::ErrorMessageOf([] { BayesThreshold({0, 1, 10}); });
  EXPECT_NE(message.find("Pspoof = 0"), std::string::npos) << message;
}

// The toy set as keyed records: A07 = spoof .5 0 .5, A08 = spoof -1 1.5.
std::vector<ScoreRecord> ToyRecords() {
  std::vector<ScoreRecord> records;
  for (double score : kToyBonafide) records.push_back({"b", "-", TrialKey::kBonafide, score, "-"});
  for (double score : {.5, 0.0, .5}) records.push_back({"s", "A07", TrialKey::kSpoof, score, "-"});
  for (double score : {-1.0, 1.5}) records.push_back({"s", "A08", TrialKey::kSpoof, score, "-"});
  return records;
}

TEST(DcfReport, ReportCarriesTheTrack1Figures) {
  MetricsReport report = ComputeMetricsReport(ToyRecords(), nullptr);
  nlohmann::json json = MetricsReportToJson(report);
  EXPECT_NEAR(json["min_dcf"].get<double>(), 0.6, 1e-15);
  EXPECT_EQ(json["min_dcf_threshold"].get<double>(), 0.0);
  EXPECT_NEAR(json["act_dcf"].get<double>(), 0.8, 1e-15);
  EXPECT_NEAR(json["act_dcf_threshold"].get<double>(), std::log(0.5 / 0.95), 1e-15);
  EXPECT_NEAR(json["cllr"].get<double>(), 0.92208493049192275, 1e-15);
  EXPECT_EQ(json["dcf_cost"]["p_spoof"].get<double>(), 0.05);
  EXPECT_EQ(json["dcf_cost"]["c_miss"].get<double>(), 1.0);
  EXPECT_EQ(json["dcf_cost"]["c_fa"].get<double>(), 10.0);
  EXPECT_NEAR(json["eer"].get<double>(), 0.55, 1e-15);  // unchanged
  // A08 (spoof -1 1.5): -1s .5b .5b 1b 1.5s 2b; 1.9 frr + far is lowest (.5) at k = 1; at the
  // Bayes threshold only 1.5 is accepted: actDCF = Pfa = .5.
  const nlohmann::json& a08 = json["per_attack"]["A08"];
  EXPECT_NEAR(a08["min_dcf"].get<double>(), 0.5, 1e-15);
  EXPECT_NEAR(a08["act_dcf"].get<double>(), 0.5, 1e-15);
  EXPECT_NEAR(a08["cllr"].get<double>(), ComputeCllr(kToyBonafide, {-1, 1.5}), 1e-15);
  EXPECT_NEAR(json["per_attack"]["A07"]["min_dcf"].get<double>(),
              ComputeMinDcf(ComputeDetCurve(kToyBonafide, {.5, 0, .5})).min_dcf, 1e-15);
  const std::string text = FormatMetricsReport(report);
  for (const char* part : {"min DCF        =  0.600000000", "actDCF         =  0.800000000",
                           "Cllr           =  0.922084930", "Pspoof = 0.05, Cmiss = 1, Cfa = 10",
                           "minDCF", "EER threshold", "BREAKDOWN CM SYSTEM"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
  }
}

TEST(DcfReport, CostModelIsPassedThroughAndChecked) {
  MetricsReport report = ComputeMetricsReport(ToyRecords(), nullptr, std::nullopt, {0.8, 1, 1});
  EXPECT_NEAR(report.min_dcf.min_dcf, 0.75, 1e-15);  // ToyWithAnotherCostModel
  EXPECT_NEAR(report.act_dcf.act_dcf, 1.55, 1e-14);
  EXPECT_EQ(MetricsReportToJson(report)["dcf_cost"]["p_spoof"].get<double>(), 0.8);
  EXPECT_THROW(ComputeMetricsReport(ToyRecords(), nullptr, std::nullopt, {1.5, 1, 1}), Error);
}

// The ASVspoof 2019 LA eval scores of RawGAT-ST (UTT ATTACK KEY SCORE). Reference figures: the
// official ASVspoof 5 evaluation package (evaluation.py --m t1) on this file rewritten as
// `filename cm-score` and `filename cm-label` (columns 1 + 4 and 1 + 3).
TEST(Dcf, RawGatStMatchesTheOfficialPackage) {
  ANTISPOOF_REQUIRE_SHARED();
  ScoreFile file =
      ReadScoreFile(testing::SharedDir() + "/asvspoof2019/cm_scores/RawGAT-ST_mul_eval_scores.txt");
  std::vector<double> bonafide, spoof;
  for (const ScoreRecord& record : file.records) {
    (record.key == TrialKey::kBonafide ? bonafide : spoof).push_back(record.score);
  }
  ASSERT_EQ(bonafide.size(), 7355u);
  ASSERT_EQ(spoof.size(), 63882u);
  Asvspoof5CmMetrics m = ComputeAsvspoof5CmMetrics(bonafide, spoof);
  std::printf("RawGAT-ST: minDCF %.17g actDCF %.17g Cllr %.17g bits EER %.17g %%\n",
              m.min_dcf.min_dcf, m.act_dcf.act_dcf, m.cllr, m.eer.eer * 100);
  EXPECT_NEAR(m.min_dcf.min_dcf, 0.029893113, 1e-6);
  EXPECT_NEAR(m.act_dcf.act_dcf, 0.044395365, 1e-6);
  EXPECT_NEAR(m.cllr, 0.066251950, 1e-6);
  EXPECT_NEAR(m.eer.eer * 100, 1.0601348, 1e-6);
  // Tighter: the package's own doubles (%.17g).
  EXPECT_NEAR(m.min_dcf.min_dcf, 0.029893113388380851, 1e-12);
  EXPECT_NEAR(m.act_dcf.act_dcf, 0.04439536474572818, 1e-12);
  EXPECT_NEAR(m.cllr, 0.06625195005752256, 1e-12);
  EXPECT_NEAR(m.eer.eer, 0.010601347517626343, 1e-12);
}

}  // namespace
}  // namespace antispoof::metrics
