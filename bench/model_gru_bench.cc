// RawNet2's GRU (128 -> 1024, 3 layers, batch first) on the 29 steps a 64600-sample input leaves,
// forward (eval, no grad) at batch 1 and 32, forward + backward at batch 32; each with LibTorch's
// nn::GRU and with the fused GRU (model/gru.h: hand-written backward) on the same module; and the
// int8 GRU of precision: int8 (model/quantized.h), forward only.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>

#include "antispoof/model/gru.h"
#include "antispoof/model/quantized.h"
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

void BM_Int8GruForward(benchmark::State& state) {
  Setup();
  if (!antispoof::model::Int8Available()) return state.SkipWithError("no quantized engine in this LibTorch");
  auto gru = MakeGru();
  gru->eval();
  torch::NoGradGuard no_grad;
  const antispoof::model::Int8Gru int8(*gru);
  auto x = torch::randn({state.range(0), kSteps, kIn});
  for (auto _ : state) benchmark::DoNotOptimize(int8(x));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Int8GruForward)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

// One recurrent product of a layer at batch 1 ([3H, H] x [H]): float32 addmv against int8.
void BM_RecurrentMatVec(benchmark::State& state) {
  Setup();
  torch::NoGradGuard no_grad;
  const auto w = torch::randn({3 * kHidden, kHidden}) * 0.03, b = torch::randn({3 * kHidden}), h = torch::randn({kHidden});
  if (state.range(0) == 0) {
    for (auto _ : state) benchmark::DoNotOptimize(torch::addmv(b, w, h));
  } else {
    const antispoof::model::Int8MatVec int8(w, b);
    for (auto _ : state) benchmark::DoNotOptimize(int8(h));
  }
}
BENCHMARK(BM_RecurrentMatVec)->ArgName("int8")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
