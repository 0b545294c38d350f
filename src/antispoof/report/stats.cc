#include "antispoof/report/stats.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/metrics/det.h"

namespace antispoof::report {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Our own generator and index mapping (not <random>'s distributions, whose output differs between
// standard libraries), so a seed gives the same CIs everywhere.
class IndexDrawer {
 public:
  IndexDrawer(uint64_t seed, uint64_t replicate, uint64_t stream, uint64_t size) {
    state_ = seed;
    state_ = SplitMix64(state_) ^ (replicate * 0xd1b54a32d192ed03ULL);
    state_ = SplitMix64(state_) ^ (stream * 0xaef17502108ef2d9ULL) ^ size;
  }
  size_t Next(size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(SplitMix64(state_)) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// Draws values.size() indices with replacement and returns the drawn values in ascending order
// (`order` sorts `values`), so the DET's sort gets presorted input. The draws, not the output
// order, define the replicate.
std::vector<double> Resample(const std::vector<double>& values, const std::vector<size_t>& order,
                             IndexDrawer& drawer, std::vector<uint32_t>& counts) {
  counts.assign(values.size(), 0);
  for (size_t i = 0; i < values.size(); ++i) ++counts[drawer.Next(values.size())];
  std::vector<double> out;
  out.reserve(values.size());
  for (size_t k : order) out.insert(out.end(), counts[k], values[k]);
  return out;
}

std::vector<size_t> SortOrder(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  return order;
}

}  // namespace

std::optional<Aggregate> AggregateValues(const std::vector<std::optional<double>>& values) {
  std::vector<double> present;
  for (const auto& v : values) {
    if (v && std::isfinite(*v)) present.push_back(*v);
  }
  if (present.empty()) return std::nullopt;
  Aggregate agg;
  agg.n = present.size();
  double sum = 0.0;
  for (double v : present) sum += v;
  agg.mean = sum / static_cast<double>(agg.n);
  if (agg.n >= 2) {
    double ss = 0.0;
    for (double v : present) ss += (v - agg.mean) * (v - agg.mean);
    agg.std = std::sqrt(ss / static_cast<double>(agg.n - 1));
  }
  return agg;
}

Interval PercentileInterval(std::vector<double> values, double level) {
  if (values.empty()) Fail("a percentile interval needs at least one value");
  std::sort(values.begin(), values.end());
  auto quantile = [&](double q) {
    double pos = q * static_cast<double>(values.size() - 1);
    size_t lo = static_cast<size_t>(std::floor(pos));
    size_t hi = std::min(lo + 1, values.size() - 1);
    double frac = pos - static_cast<double>(lo);
    return values[lo] + (values[hi] - values[lo]) * frac;
  };
  return {quantile((1.0 - level) / 2.0), quantile((1.0 + level) / 2.0)};
}

std::vector<double> BootstrapEers(const std::vector<double>& bonafide,
                                  const std::vector<double>& spoof, int samples, uint64_t seed) {
  std::vector<double> eers;
  eers.reserve(samples > 0 ? samples : 0);
  if (samples <= 0) return eers;
  const std::vector<size_t> bonafide_order = SortOrder(bonafide);
  const std::vector<size_t> spoof_order = SortOrder(spoof);
  std::vector<uint32_t> counts;
  for (int r = 0; r < samples; ++r) {
    IndexDrawer bonafide_drawer(seed, r, 1, bonafide.size());
    IndexDrawer spoof_drawer(seed, r, 2, spoof.size());
    const std::vector<double> b = Resample(bonafide, bonafide_order, bonafide_drawer, counts);
    const std::vector<double> s = Resample(spoof, spoof_order, spoof_drawer, counts);
    eers.push_back(metrics::ComputeEer(b, s).eer);
  }
  return eers;
}

double StudentT975(int df) {
  static const double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) Fail(Format("Student's t needs at least 1 degree of freedom; got %d", df));
  if (df <= 30) return kTable[df - 1];
  // Cornish-Fisher expansion around the normal quantile; error < 1e-3 for df > 30.
  const double z = 1.959963984540054;
  const double d = static_cast<double>(df);
  return z + (z * z * z + z) / (4 * d) +
         (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d);
}

PairedDifference PairDifferences(const std::vector<long>& baseline_seeds,
                                 const std::vector<double>& baseline,
                                 const std::vector<long>& variant_seeds,
                                 const std::vector<double>& variant, double scale,
                                 const std::string& unit,
                                 const std::optional<Interval>& test_set_ci) {
  std::map<long, double> by_seed;
  for (size_t i = 0; i < baseline_seeds.size() && i < baseline.size(); ++i) {
    by_seed[baseline_seeds[i]] = baseline[i];
  }
  PairedDifference out;
  for (size_t i = 0; i < variant_seeds.size() && i < variant.size(); ++i) {
    auto it = by_seed.find(variant_seeds[i]);
    if (it == by_seed.end()) continue;
    out.seeds.push_back(variant_seeds[i]);
    out.differences.push_back(variant[i] - it->second);
  }
  const size_t n = out.differences.size();
  if (n == 0) {
    out.verdict = "no seed in common with the baseline: no paired comparison";
    return out;
  }
  std::vector<std::optional<double>> values(out.differences.begin(), out.differences.end());
  Aggregate agg = *AggregateValues(values);
  out.mean = agg.mean;
  out.std = agg.std;
  if (n < 2) {
    out.verdict = Format(
        "n = 1 paired seed: too few for an interval, so the difference (%+.2f %s) cannot be "
        "told apart from seed noise",
        agg.mean * scale, unit.c_str());
    return out;
  }
  const double half = StudentT975(static_cast<int>(n) - 1) * *agg.std / std::sqrt(double(n));
  out.ci95 = Interval{agg.mean - half, agg.mean + half};
  const bool seeds_exclude_0 = out.ci95->low > 0.0 || out.ci95->high < 0.0;
  const bool test_set_excludes_0 =
      !test_set_ci || (agg.mean > 0 ? test_set_ci->low > 0.0 : test_set_ci->high < 0.0);
  out.distinguishable = seeds_exclude_0 && test_set_excludes_0;
  std::string small =
      n == 2  ? " (only 2 paired seeds: 1 degree of freedom, t = 12.71, so the interval is wide)"
      : n < 5 ? Format(" (only %zu paired seeds: the interval is wide)", n)
              : "";
  // Equal differences leave only rounding in the std (e.g. 2e-17 for 1.22 pp).
  if (*agg.std < 1e-12)
    small = Format(" (all %zu paired differences are equal, so the interval has no width)", n);
  const std::string seeds_ci = Format("95%% CI over seeds %+.2f to %+.2f %s", out.ci95->low * scale,
                                      out.ci95->high * scale, unit.c_str());
  const std::string test_ci =
      test_set_ci ? Format("95%% test-set CI %+.2f to %+.2f %s", test_set_ci->low * scale,
                           test_set_ci->high * scale, unit.c_str())
                  : "";
  if (out.distinguishable) {
    out.verdict =
        Format("distinguishable from seed noise: %s by %.2f %s (%s%s%s excludes 0)%s",
               agg.mean < 0 ? "lower" : "higher", std::fabs(agg.mean) * scale, unit.c_str(),
               seeds_ci.c_str(), test_set_ci ? " and " : "", test_ci.c_str(), small.c_str());
  } else if (seeds_exclude_0) {
    const bool contains_0 = test_set_ci->low <= 0.0 && test_set_ci->high >= 0.0;
    const std::string why =
        contains_0 ? Format("contains 0, so the %+.2f %s lies within the test set's sampling noise",
                            agg.mean * scale, unit.c_str())
                   : "lies on the other side of 0";
    out.verdict = Format("not distinguishable from noise: the seeds agree (%s) but the %s %s%s",
                         seeds_ci.c_str(), test_ci.c_str(), why.c_str(), small.c_str());
  } else {
    out.verdict = Format("not distinguishable from seed noise: %s contains 0%s", seeds_ci.c_str(),
                         small.c_str());
  }
  return out;
}

double InverseNormalCdf(double p) {
  if (!(p > 0.0 && p < 1.0)) Fail(Format("the inverse normal CDF needs 0 < p < 1; got %g", p));
  // Acklam's rational approximation, then one Halley step on erfc for full double precision.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double p_low = 0.02425;
  double x;
  if (p < p_low) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - p_low) {
    double q = p - 0.5;
    double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace antispoof::report
