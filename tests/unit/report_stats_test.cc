#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/metrics/det.h"
#include "antispoof/report/stats.h"

namespace antispoof::report {
namespace {

TEST(ReportStats, AggregateUsesSampleStdAndSkipsAbsentValues) {
  std::optional<Aggregate> agg = AggregateValues({1.0, std::nullopt, 2.0, 4.0, NAN});
  ASSERT_TRUE(agg.has_value());
  EXPECT_EQ(agg->n, 3u);
  EXPECT_DOUBLE_EQ(agg->mean, 7.0 / 3.0);
  // deviations -4/3, -1/3, 5/3 -> squares sum 42/9; / (n - 1) = 7/3.
  EXPECT_DOUBLE_EQ(*agg->std, std::sqrt(7.0 / 3.0));

  std::optional<Aggregate> one = AggregateValues({0.5});
  ASSERT_TRUE(one.has_value());
  EXPECT_FALSE(one->std.has_value());
  EXPECT_FALSE(AggregateValues({std::nullopt}).has_value());
}

TEST(ReportStats, PercentileIntervalInterpolatesLikeNumpy) {
  std::vector<double> values;
  for (int i = 0; i <= 100; ++i) values.push_back(i);
  Interval ci = PercentileInterval(values, 0.95);
  EXPECT_NEAR(ci.low, 2.5, 1e-12);
  EXPECT_NEAR(ci.high, 97.5, 1e-12);
  EXPECT_THROW(PercentileInterval({}, 0.95), Error);
}

TEST(ReportStats, StudentQuantiles) {
  EXPECT_DOUBLE_EQ(StudentT975(1), 12.706);
  EXPECT_DOUBLE_EQ(StudentT975(4), 2.776);
  EXPECT_NEAR(StudentT975(60), 2.000, 1e-3);
  EXPECT_NEAR(StudentT975(1000), 1.962, 1e-3);
  EXPECT_THROW(StudentT975(0), Error);
}

TEST(ReportStats, InverseNormalCdfKnownValues) {
  EXPECT_NEAR(InverseNormalCdf(0.5), 0.0, 1e-12);
  EXPECT_NEAR(InverseNormalCdf(0.975), 1.959963984540054, 1e-9);
  EXPECT_NEAR(InverseNormalCdf(0.001), -3.090232306167813, 1e-9);
  EXPECT_NEAR(InverseNormalCdf(0.99), 2.326347874040841, 1e-9);
  EXPECT_NEAR(InverseNormalCdf(1e-6), -4.753424308822899, 1e-8);
  EXPECT_THROW(InverseNormalCdf(0.0), Error);
  EXPECT_THROW(InverseNormalCdf(1.0), Error);
}

std::vector<double> Range(double start, double step, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(start + step * i);
  return out;
}

TEST(ReportStats, BootstrapIsSeededAndBracketsTheEer) {
  const std::vector<double> bonafide = Range(-0.5, 0.02, 100);
  const std::vector<double> spoof = Range(-1.5, 0.02, 120);
  const double eer = metrics::ComputeEer(bonafide, spoof).eer;
  std::vector<double> a = BootstrapEers(bonafide, spoof, 300, 7);
  std::vector<double> b = BootstrapEers(bonafide, spoof, 300, 7);
  std::vector<double> c = BootstrapEers(bonafide, spoof, 300, 8);
  ASSERT_EQ(a.size(), 300u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  Interval ci = PercentileInterval(a);
  EXPECT_LT(ci.low, eer);
  EXPECT_GT(ci.high, eer);
  EXPECT_LT(ci.high - ci.low, 0.3);
  // Replicates actually vary (resampling happened).
  EXPECT_LT(*std::min_element(a.begin(), a.end()), *std::max_element(a.begin(), a.end()));
  EXPECT_TRUE(BootstrapEers(bonafide, spoof, 0, 7).empty());
}

TEST(ReportStats, BootstrapDrawsArePairedAcrossScoreListsOfTheSameTrials) {
  // The same trials with every score doubled (exact, so order and ties are kept): identical draws
  // give identical replicate EERs.
  const std::vector<double> bonafide = Range(-0.5, 0.02, 80);
  const std::vector<double> spoof = Range(-1.5, 0.02, 90);
  std::vector<double> shifted_b = bonafide, shifted_s = spoof;
  for (double& v : shifted_b) v *= 2.0;
  for (double& v : shifted_s) v *= 2.0;
  EXPECT_EQ(BootstrapEers(bonafide, spoof, 50, 1), BootstrapEers(shifted_b, shifted_s, 50, 1));
}

TEST(ReportStats, PairedDifferenceMatchesHandComputation) {
  // Pairs by seed value, not position; seed 9 has no partner.
  PairedDifference d = PairDifferences({1, 2, 3}, {0.10, 0.14, 0.20}, {3, 1, 2, 9},
                                       {0.15, 0.06, 0.08, 0.5}, 100, "pp");
  ASSERT_EQ(d.seeds, (std::vector<long>{3, 1, 2}));
  ASSERT_EQ(d.differences.size(), 3u);
  EXPECT_NEAR(d.differences[0], -0.05, 1e-15);
  EXPECT_NEAR(d.differences[1], -0.04, 1e-15);
  EXPECT_NEAR(d.differences[2], -0.06, 1e-15);
  EXPECT_NEAR(*d.mean, -0.05, 1e-15);
  EXPECT_NEAR(*d.std, 0.01, 1e-12);
  const double half = 4.303 * 0.01 / std::sqrt(3.0);
  EXPECT_NEAR(d.ci95->low, -0.05 - half, 1e-12);
  EXPECT_NEAR(d.ci95->high, -0.05 + half, 1e-12);
  EXPECT_TRUE(d.distinguishable);
  EXPECT_NE(d.verdict.find("distinguishable from seed noise: lower by 5.00 pp"), std::string::npos)
      << d.verdict;
}

TEST(ReportStats, PairedDifferenceNeedsTheTestSetIntervalToo) {
  // Two seeds that agree to the last step: +1.22 pp each (EERs on 600 trials move in steps).
  const std::vector<long> seeds = {1, 2};
  // Equal up to rounding, as the demo's were (std 2e-17).
  const std::vector<double> base = {0.18, 0.206666666666667},
                            variant = {0.192222222222222, 0.218888888888889};
  PairedDifference alone = PairDifferences(seeds, base, seeds, variant, 100, "pp");
  ASSERT_TRUE(alone.ci95.has_value());
  EXPECT_NEAR(alone.ci95->high - alone.ci95->low, 0.0, 1e-12);
  EXPECT_TRUE(alone.distinguishable);
  EXPECT_NE(alone.verdict.find("all 2 paired differences are equal"), std::string::npos)
      << alone.verdict;

  PairedDifference within =
      PairDifferences(seeds, base, seeds, variant, 100, "pp", Interval{-0.0106, 0.0300});
  EXPECT_FALSE(within.distinguishable);
  EXPECT_NE(within.verdict.find("test-set CI -1.06 to +3.00 pp contains 0"), std::string::npos)
      << within.verdict;
  EXPECT_NE(within.verdict.find("within the test set's sampling noise"), std::string::npos)
      << within.verdict;

  PairedDifference clear =
      PairDifferences(seeds, base, seeds, variant, 100, "pp", Interval{0.0040, 0.0200});
  EXPECT_TRUE(clear.distinguishable);
  EXPECT_NE(clear.verdict.find("distinguishable from seed noise: higher by 1.22 pp"),
            std::string::npos)
      << clear.verdict;
  // A test-set interval on the other side of 0 from the mean does not count.
  PairedDifference opposite =
      PairDifferences(seeds, base, seeds, variant, 100, "pp", Interval{-0.0200, -0.0040});
  EXPECT_FALSE(opposite.distinguishable);
  EXPECT_NE(opposite.verdict.find("test-set CI -2.00 to -0.40 pp lies on the other side of 0"),
            std::string::npos)
      << opposite.verdict;
}

TEST(ReportStats, PairedDifferenceSaysWhenSeedsAreTooFewOrNoisy) {
  PairedDifference one = PairDifferences({1}, {0.1}, {1}, {0.05}, 100, "pp");
  EXPECT_FALSE(one.ci95.has_value());
  EXPECT_FALSE(one.distinguishable);
  EXPECT_NE(one.verdict.find("too few"), std::string::npos) << one.verdict;

  PairedDifference noisy = PairDifferences({1, 2}, {0.1, 0.1}, {1, 2}, {0.05, 0.16}, 100, "pp");
  ASSERT_TRUE(noisy.ci95.has_value());
  EXPECT_FALSE(noisy.distinguishable);
  EXPECT_NE(noisy.verdict.find("not distinguishable"), std::string::npos) << noisy.verdict;
  EXPECT_NE(noisy.verdict.find("only 2 paired seeds"), std::string::npos) << noisy.verdict;

  PairedDifference none = PairDifferences({1}, {0.1}, {2}, {0.05}, 100, "pp");
  EXPECT_TRUE(none.seeds.empty());
  EXPECT_FALSE(none.mean.has_value());
}

}  // namespace
}  // namespace antispoof::report
