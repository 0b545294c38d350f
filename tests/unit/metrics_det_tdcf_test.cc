#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/metrics/accuracy.h"
#include "antispoof/metrics/det.h"
#include "antispoof/metrics/report.h"
#include "antispoof/metrics/tdcf.h"

namespace antispoof::metrics {
namespace {

// A toy case worked by hand. Stable sort, bona fide first on ties:
//   -1s 0s .5b .5b .5s .5s 1b 1.5s 2b
// frr = 0 0 0 .25 .5 .5 .5 .75 .75 1, far = 1 .8 .6 .6 .6 .4 .2 .2 0 0.
// |frr - far| is 0.1 at k = 4 and k = 5; the FIRST (k = 4) gives EER (.5 + .6)/2 = .55.
const std::vector<double> kToyBonafide = {.5, .5, 1, 2};
const std::vector<double> kToySpoof = {.5, -1, 0, 1.5, .5};
const std::vector<double> kToyTargetAsv = {1, 2, 3, .1};
const std::vector<double> kToyNontargetAsv = {-1, .5, 1.5, -2};
const std::vector<double> kToySpoofAsv = {-3, .2, 1.2};

TEST(Det, ToyCurveMatchesHandComputation) {
  DetCurve det = ComputeDetCurve(kToyBonafide, kToySpoof);
  const std::vector<double> frr = {0, 0, 0, .25, .5, .5, .5, .75, .75, 1};
  const std::vector<double> far = {1, .8, .6, .6, .6, .4, .2, .2, 0, 0};
  const std::vector<double> thresholds = {-1.001, -1, 0, .5, .5, .5, .5, 1, 1.5, 2};
  ASSERT_EQ(det.frr.size(), 10u);
  for (size_t k = 0; k < frr.size(); ++k) {
    EXPECT_DOUBLE_EQ(det.frr[k], frr[k]) << k;
    EXPECT_DOUBLE_EQ(det.far[k], far[k]) << k;
    EXPECT_DOUBLE_EQ(det.thresholds[k], thresholds[k]) << k;
  }
}

TEST(Det, ToyTieCaseGivesEerExactly055) {
  EerPoint eer = ComputeEer(kToyBonafide, kToySpoof);
  EXPECT_EQ(eer.index, 4u);
  EXPECT_EQ(eer.eer, 0.55);
  EXPECT_EQ(eer.threshold, 0.5);
}

TEST(Det, SortingBonafideAfterSpoofOnTiesWouldGiveADifferentEer) {
  // Guard that the tie order matters here: swapping the classes' roles changes the answer.
  EerPoint swapped = ComputeEer(kToySpoof, kToyBonafide);
  EXPECT_NE(swapped.eer, 0.55);
}

TEST(Det, PerfectSeparationGivesZeroEer) {
  EerPoint eer = ComputeEer({2, 3}, {0, 1});
  EXPECT_EQ(eer.eer, 0.0);
  EXPECT_EQ(eer.threshold, 1.0);  // thresholds[2] = the 2nd lowest score
}

TEST(Det, EmptyClassOrNonFiniteScoreFails) {
  EXPECT_THROW(ComputeEer({}, {1.0}), Error);
  EXPECT_THROW(ComputeEer({1.0}, {}), Error);
  EXPECT_THROW(ComputeEer({NAN}, {1.0}), Error);
}

TEST(Tdcf, ToyAsvOperatingPoint) {
  // Target first on ties: -2n -1n .1t .5n 1t 1.5n 2t 3t; k = 4 gives frr = far = .25 at .5.
  AsvOperatingPoint asv = ComputeAsvOperatingPoint(kToyTargetAsv, kToyNontargetAsv, kToySpoofAsv);
  EXPECT_DOUBLE_EQ(asv.eer, 0.25);
  EXPECT_DOUBLE_EQ(asv.threshold, 0.5);
  EXPECT_DOUBLE_EQ(asv.pfa, 0.5);              // .5 and 1.5 are >= .5
  EXPECT_DOUBLE_EQ(asv.pmiss, 0.25);           // .1 < .5
  EXPECT_DOUBLE_EQ(asv.pmiss_spoof, 2.0 / 3);  // -3 and .2 < .5
}

TEST(Tdcf, ToyLegacyMinTdcfIs06) {
  // C1 = .9405 (1 - .25) - .0095 * 10 * .5 = .657875, C2 = 10 * .05 * (1/3) = 1/6 = min;
  // t-DCF[k] = 3.94725 frr[k] + far[k], minimal at k = 2: 0 + .6.
  DetCurve cm = ComputeDetCurve(kToyBonafide, kToySpoof);
  AsvOperatingPoint asv = ComputeAsvOperatingPoint(kToyTargetAsv, kToyNontargetAsv, kToySpoofAsv);
  EXPECT_NEAR(MinTdcfLegacy(cm, asv), 0.6, 1e-12);
}

TEST(Tdcf, ToyRevisedMinTdcfMatchesHandComputation) {
  // C0 = .9405 * .25 + .0095 * 10 * .5 = .282625, C1 = .9405 - C0 = .657875, C2 = .05 * 10 / 3
  // = 1/6; normaliser C0 + min(C1, C2) = .282625 + 1/6. Minimum at k = 2 (frr 0, far .6):
  // (.282625 + .6/6) / (.282625 + 1/6) = .382625 / .449291666... = 9183/10783 = 0.85161828...
  DetCurve cm = ComputeDetCurve(kToyBonafide, kToySpoof);
  AsvOperatingPoint asv = ComputeAsvOperatingPoint(kToyTargetAsv, kToyNontargetAsv, kToySpoofAsv);
  EXPECT_NEAR(MinTdcfRevised(cm, asv), 9183.0 / 10783.0, 1e-12);
}

TEST(Tdcf, NegativeWeightFailsLikeTheOfficialTool) {
  DetCurve cm = ComputeDetCurve(kToyBonafide, kToySpoof);
  AsvOperatingPoint asv;
  asv.pmiss = 1.0;  // C1 = 0 - .0095 * 10 * .5 < 0
  asv.pfa = 0.5;
  asv.pmiss_spoof = 0.5;
  EXPECT_THROW(MinTdcfLegacy(cm, asv), Error);
  EXPECT_THROW(MinTdcfRevised(cm, asv), Error);
}

TEST(Tdcf, AsvThatRejectsEverySpoofMakesLegacyUndefined) {
  DetCurve cm = ComputeDetCurve(kToyBonafide, kToySpoof);
  AsvOperatingPoint asv;
  asv.pmiss = 0.1;
  asv.pfa = 0.1;
  asv.pmiss_spoof = 1.0;  // C2 = 0
  try {
    MinTdcfLegacy(cm, asv);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("min(C1, C2) = 0"), std::string::npos) << e.what();
  }
}

TEST(Accuracy, AtThresholdCountsStrictlyAboveAsBonafide) {
  // threshold .5: bona fide .5 .5 wrong, 1 2 right; spoof .5 -1 0 .5 right, 1.5 wrong -> 6/9.
  EXPECT_DOUBLE_EQ(AccuracyAtThreshold(kToyBonafide, kToySpoof, 0.5), 6.0 / 9);
}

TEST(Accuracy, FromDecisionsAndArgmaxTieIsSpoof) {
  EXPECT_TRUE(PredictsBonafide(-2.0, -0.1));
  EXPECT_FALSE(PredictsBonafide(-0.5, -0.5));
  EXPECT_DOUBLE_EQ(AccuracyFromDecisions({true, false, true, true}, {true, false, false, true}),
                   0.75);
  EXPECT_THROW(AccuracyFromDecisions({true}, {true, false}), Error);
}

std::vector<ScoreRecord> ToyRecords() {
  std::vector<ScoreRecord> records;
  int i = 0;
  for (double score : kToyBonafide) {
    records.push_back({"B" + std::to_string(i++), "-", TrialKey::kBonafide, score, "-"});
  }
  const std::vector<std::string> attacks = {"A07", "A08", "A07", "A08", "A07"};
  for (size_t j = 0; j < kToySpoof.size(); ++j) {
    records.push_back({"S" + std::to_string(j), attacks[j], TrialKey::kSpoof, kToySpoof[j], "-"});
  }
  return records;
}

TEST(Report, WithoutAsvHasNullTdcfAndANote) {
  MetricsReport report = ComputeMetricsReport(ToyRecords(), nullptr);
  nlohmann::json json = MetricsReportToJson(report);
  EXPECT_EQ(json["eer"].get<double>(), 0.55);
  EXPECT_DOUBLE_EQ(json["eer_percent"].get<double>(), 55.0);
  EXPECT_EQ(json["eer_threshold"].get<double>(), 0.5);
  EXPECT_TRUE(json["min_tdcf_legacy"].is_null());
  EXPECT_TRUE(json["min_tdcf_revised"].is_null());
  EXPECT_NE(json["tdcf_note"].get<std::string>().find("ASV score"), std::string::npos);
  EXPECT_TRUE(json["asv"].is_null());
  EXPECT_TRUE(json["accuracy"].is_null());
  EXPECT_TRUE(json["accuracy_threshold"].is_null());
  EXPECT_EQ(json["n_bonafide"].get<int>(), 4);
  EXPECT_EQ(json["n_spoof"].get<int>(), 5);
  // A07: spoof .5 0 .5 vs bona fide .5 .5 1 2; A08: spoof -1 1.5.
  EXPECT_DOUBLE_EQ(json["per_attack"]["A07"]["eer"].get<double>(),
                   ComputeEer(kToyBonafide, {.5, 0, .5}).eer);
  EXPECT_EQ(json["per_attack"]["A08"]["n_spoof"].get<int>(), 2);
  EXPECT_TRUE(json["per_attack"]["A08"]["min_tdcf_legacy"].is_null());
}

TEST(Report, WithAsvAndThresholdFillsEverything) {
  AsvScores asv;
  asv.target = kToyTargetAsv;
  asv.nontarget = kToyNontargetAsv;
  asv.spoof = kToySpoofAsv;
  asv.spoof_by_source["A07"] = {-3, .2};  // A08 has no own ASV scores -> pooled
  asv.spoof_by_source["A99"] = {1.2};
  MetricsReport report = ComputeMetricsReport(ToyRecords(), &asv, 0.5);
  nlohmann::json json = MetricsReportToJson(report);
  EXPECT_NEAR(json["min_tdcf_legacy"].get<double>(), 0.6, 1e-12);
  EXPECT_NEAR(json["min_tdcf_revised"].get<double>(), 9183.0 / 10783.0, 1e-12);
  EXPECT_TRUE(json["tdcf_note"].is_null());
  EXPECT_DOUBLE_EQ(json["asv"]["threshold"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(json["asv"]["pmiss_spoof"].get<double>(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(json["accuracy"].get<double>(), 6.0 / 9);
  EXPECT_DOUBLE_EQ(json["accuracy_threshold"].get<double>(), 0.5);
  EXPECT_EQ(json["per_attack"]["A08"]["asv_spoof_scores"].get<std::string>(), "pooled");
  EXPECT_FALSE(json["per_attack"]["A08"]["min_tdcf_legacy"].is_null());
  // A07's own ASV spoof scores are all below the threshold: C2 = 0, so its t-DCF is undefined.
  EXPECT_EQ(json["per_attack"]["A07"]["asv_spoof_scores"].get<std::string>(), "A07");
  EXPECT_TRUE(json["per_attack"]["A07"]["min_tdcf_legacy"].is_null());
  EXPECT_FALSE(json["per_attack"]["A07"]["tdcf_note"].is_null());
  std::string text = FormatMetricsReport(report);
  EXPECT_NE(text.find("min-tDCF (legacy, ASVspoof 2019)"), std::string::npos) << text;
  EXPECT_NE(text.find("min-tDCF (revised, ASVspoof 2021)"), std::string::npos) << text;
  EXPECT_NE(text.find("A08"), std::string::npos) << text;
}

TEST(Report, KeylessRecordsFail) {
  EXPECT_THROW(ComputeMetricsReport({{"U1", "-", TrialKey::kUnknown, 1.0, "-"}}, nullptr), Error);
}

}  // namespace
}  // namespace antispoof::metrics
