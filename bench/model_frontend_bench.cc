// RawNet2's parameter-free front end at 64600-sample inputs: the 1025-tap sinc convolution (direct
// conv1d vs FFT), then abs + max-pool 3, and the two ways of computing all of it. Arg = batch. Threads: all cores (ANTISPOOF_THREADS overrides).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>

#include "antispoof/model/runtime.h"
#include "antispoof/model/sinc.h"

namespace {
using antispoof::SincImpl;
using antispoof::model::SincConv;
constexpr int kSamples = 64600, kTaps = 1025, kChannels = 20;

void Setup() {
  const char* t = std::getenv("ANTISPOOF_THREADS");
  antispoof::model::ConfigureThreads(t ? std::atoi(t) : 0);
}

void Sinc(benchmark::State& state, SincImpl impl) {
  Setup();
  torch::NoGradGuard no_grad;
  SincConv sinc(kChannels, kTaps, 16000, impl);
  auto x = torch::randn({state.range(0), 1, kSamples}) * 0.1;
  for (auto _ : state) benchmark::DoNotOptimize(sinc(x));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
void BM_SincDirect(benchmark::State& state) { Sinc(state, SincImpl::kDirect); }
void BM_SincFft(benchmark::State& state) { Sinc(state, SincImpl::kFft); }
BENCHMARK(BM_SincDirect)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SincFft)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AbsMaxPool(benchmark::State& state) {
  Setup();
  torch::NoGradGuard no_grad;
  auto s = torch::randn({state.range(0), kChannels, kSamples - kTaps + 1});
  for (auto _ : state) benchmark::DoNotOptimize(torch::max_pool1d(torch::abs(s), 3));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AbsMaxPool)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

// The whole front end as RawNet2 runs it without a graph: composed (FFT sinc, then abs + max-pool over
// the batch) against SincConv::PooledMagnitude (per utterance, pooled while in cache).
void BM_FrontEndComposed(benchmark::State& state) {
  Setup();
  torch::NoGradGuard no_grad;
  SincConv sinc(kChannels, kTaps, 16000, SincImpl::kFft);
  auto x = torch::randn({state.range(0), 1, kSamples}) * 0.1;
  for (auto _ : state) benchmark::DoNotOptimize(torch::max_pool1d(sinc(x).abs_(), 3));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
void BM_FrontEndPooledMagnitude(benchmark::State& state) {
  Setup();
  SincConv sinc(kChannels, kTaps, 16000, SincImpl::kFft);
  auto x = torch::randn({state.range(0), 1, kSamples}) * 0.1;
  for (auto _ : state) benchmark::DoNotOptimize(sinc->PooledMagnitude(x, 3));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FrontEndComposed)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FrontEndPooledMagnitude)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
