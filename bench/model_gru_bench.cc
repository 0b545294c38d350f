// RawNet2's GRU (128 -> 1024, 3 layers, batch first) on the 29 steps a 64600-sample input leaves,
// forward (eval, no grad) at batch 1 and 32, forward + backward at batch 32; each with LibTorch's
// nn::GRU and with the fused GRU (model/gru.h: hand-written backward) on the same module.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>

#include "antispoof/model/gru.h"
#include "antispoof/model/runtime.h"

namespace {
constexpr int kSteps = 29, kIn = 128, kHidden = 1024, kLayers = 3;

void Setup() {
  const char* t = std::getenv("ANTISPOOF_THREADS");
  antispoof::model::ConfigureThreads(t ? std::atoi(t) : 0);
}

torch::nn::GRU MakeGru() {
  return torch::nn::GRU(torch::nn::GRUOptions(kIn, kHidden).num_layers(kLayers).batch_first(true));
}

void BM_GruForward(benchmark::State& state) {
  Setup();
  auto gru = MakeGru();
  gru->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({state.range(0), kSteps, kIn});
  for (auto _ : state) benchmark::DoNotOptimize(std::get<0>(gru(x)));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GruForward)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GruForwardBackward(benchmark::State& state) {
  Setup();
  auto gru = MakeGru();
  gru->train();
  auto x = torch::randn({state.range(0), kSteps, kIn}).requires_grad_(true);
  for (auto _ : state) {
    auto y = std::get<0>(gru(x));
    y.select(1, kSteps - 1).sum().backward();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GruForwardBackward)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FusedGruForward(benchmark::State& state) {
  Setup();
  auto gru = MakeGru();
  gru->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({state.range(0), kSteps, kIn});
  for (auto _ : state) benchmark::DoNotOptimize(antispoof::model::FusedGru(*gru, x));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FusedGruForward)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FusedGruForwardBackward(benchmark::State& state) {
  Setup();
  auto gru = MakeGru();
  gru->train();
  auto x = torch::randn({state.range(0), kSteps, kIn}).requires_grad_(true);
  for (auto _ : state) {
    auto y = antispoof::model::FusedGru(*gru, x);
    y.select(1, kSteps - 1).sum().backward();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FusedGruForwardBackward)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
