// EER and min t-DCF on random scores (default 1e6 CM scores, 10% bona fide).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "antispoof/metrics/det.h"
#include "antispoof/metrics/tdcf.h"

namespace {

struct RandomScores {
  std::vector<double> bonafide;
  std::vector<double> spoof;
};

RandomScores MakeScores(int64_t total) {
  std::mt19937_64 rng(1234);
  std::normal_distribution<double> bonafide_dist(2.0, 1.0);
  std::normal_distribution<double> spoof_dist(-2.0, 1.5);
  RandomScores scores;
  const int64_t n_bonafide = total / 10;
  for (int64_t i = 0; i < n_bonafide; ++i) scores.bonafide.push_back(bonafide_dist(rng));
  for (int64_t i = n_bonafide; i < total; ++i) scores.spoof.push_back(spoof_dist(rng));
  return scores;
}

void BM_Eer(benchmark::State& state) {
  RandomScores scores = MakeScores(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(antispoof::metrics::ComputeEer(scores.bonafide, scores.spoof));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Eer)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_EerAndBothMinTdcf(benchmark::State& state) {
  namespace metrics = antispoof::metrics;
  RandomScores scores = MakeScores(state.range(0));
  RandomScores asv = MakeScores(100000);
  // ASV stand-in: target = the bona fide draw, nontarget and spoof = two slices of the spoof draw.
  const std::vector<double> nontarget(asv.spoof.begin(), asv.spoof.begin() + 30000);
  const std::vector<double> spoof(asv.spoof.begin() + 30000, asv.spoof.end());
  metrics::AsvOperatingPoint asv_point =
      metrics::ComputeAsvOperatingPoint(asv.bonafide, nontarget, spoof);
  for (auto _ : state) {
    metrics::DetCurve det = metrics::ComputeDetCurve(scores.bonafide, scores.spoof);
    benchmark::DoNotOptimize(metrics::ComputeEer(det));
    benchmark::DoNotOptimize(metrics::MinTdcfLegacy(det, asv_point));
    benchmark::DoNotOptimize(metrics::MinTdcfRevised(det, asv_point));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EerAndBothMinTdcf)->Arg(1000000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
