// Statistics of the report: seed aggregates, the trial bootstrap of the EER, paired differences
// over seeds and the probit transform of the DET plot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace antispoof::report {

struct Aggregate {
  double mean = 0.0;
  std::optional<double> std;  // sample standard deviation (n - 1); absent when n < 2
  size_t n = 0;
};

// Over the present, finite values; nullopt when there are none.
std::optional<Aggregate> AggregateValues(const std::vector<std::optional<double>>& values);

struct Interval {
  double low = 0.0;
  double high = 0.0;
};

// Quantiles (linear interpolation, as numpy's default) at (1 - level) / 2 and (1 + level) / 2.
// Error when values is empty.
Interval PercentileInterval(std::vector<double> values, double level = 0.95);

// EERs (fractions) of `samples` bootstrap replicates. Replicate r resamples the bona fide and the
// spoof trials separately, with replacement, keeping each class's size; its draws depend only on
// (seed, r, class, class size), so score lists of the same trials in the same order (one test set
// scored by several models) get the same draws: their replicates are paired.
std::vector<double> BootstrapEers(const std::vector<double>& bonafide,
                                  const std::vector<double>& spoof, int samples, uint64_t seed);

// Two-sided 97.5 % quantile of Student's t with `df` >= 1 degrees of freedom.
double StudentT975(int df);

// variant - baseline over the seeds both have (same seed value = a pair).
struct PairedDifference {
  std::vector<long> seeds;
  std::vector<double> differences;
  std::optional<double> mean;
  std::optional<double> std;
  std::optional<Interval> ci95;  // mean +- t(0.975, n-1) std / sqrt(n); absent when n < 2
  // Both the interval over seeds and, when given, the test-set interval exclude 0 (on the same
  // side).
  bool distinguishable = false;
  std::string verdict;  // one sentence for the report
};

// `scale` and `unit` only shape the verdict text (e.g. 100 and "pp" for EER fractions).
// `test_set_ci`: the difference's interval from resampling the test trials (same units as the
// differences), or none. A difference counts as distinguishable only when it also clears that
// interval: EERs on a finite test set move in steps, so a few seeds can agree to the last step
// (a zero-width interval over seeds) on a difference the test set cannot resolve.
PairedDifference PairDifferences(const std::vector<long>& baseline_seeds,
                                 const std::vector<double>& baseline,
                                 const std::vector<long>& variant_seeds,
                                 const std::vector<double>& variant, double scale,
                                 const std::string& unit,
                                 const std::optional<Interval>& test_set_ci = std::nullopt);

// Inverse of the standard normal CDF for p in (0, 1); Error otherwise.
double InverseNormalCdf(double p);

}  // namespace antispoof::report
