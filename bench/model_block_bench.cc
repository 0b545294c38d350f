// RawNet2 residual blocks at the shapes of a 64600-sample input: the two 20-channel blocks (block0
// on [B, 20, 21192], block1 on [B, 20, 7064]) and a 128-channel one (block3 on [B, 128, 784]);
// forward in eval mode under no-grad, and forward + backward in train mode. Arg = batch.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>

#include "antispoof/model/residual_block.h"
#include "antispoof/model/runtime.h"

namespace {
using antispoof::model::ResidualBlock;
using antispoof::model::ResidualBlockOptions;

void Setup() {
  const char* t = std::getenv("ANTISPOOF_THREADS");
  antispoof::model::ConfigureThreads(t ? std::atoi(t) : 0);
}

// block0 sees [B, 20, 21192] (first: no bn1), block1 [B, 20, 7064], block3 [B, 128, 784].
struct Shape {
  int cin, cout, steps;
  bool first;
};
constexpr Shape kBlock0{20, 20, 21192, true}, kBlock1{20, 20, 7064, false},
    kBlock3{128, 128, 784, false};

void Forward(benchmark::State& state, Shape s) {
  Setup();
  ResidualBlockOptions o{s.cin, s.cout, s.first};
  ResidualBlock block(o);
  block->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({state.range(0), s.cin, s.steps});
  for (auto _ : state) benchmark::DoNotOptimize(block(x));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void ForwardBackward(benchmark::State& state, Shape s) {
  Setup();
  ResidualBlockOptions o{s.cin, s.cout, s.first};
  ResidualBlock block(o);
  block->train();
  // The input needs a gradient too: inside the network, earlier blocks do.
  auto x = torch::randn({state.range(0), s.cin, s.steps}).requires_grad_(true);
  for (auto _ : state) {
    auto y = block(x);
    y.sum().backward();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Block0_20ch_Forward(benchmark::State& st) { Forward(st, kBlock0); }
void BM_Block1_20ch_Forward(benchmark::State& st) { Forward(st, kBlock1); }
void BM_Block3_128ch_Forward(benchmark::State& st) { Forward(st, kBlock3); }
void BM_Block0_20ch_ForwardBackward(benchmark::State& st) { ForwardBackward(st, kBlock0); }
void BM_Block1_20ch_ForwardBackward(benchmark::State& st) { ForwardBackward(st, kBlock1); }
void BM_Block3_128ch_ForwardBackward(benchmark::State& st) { ForwardBackward(st, kBlock3); }
BENCHMARK(BM_Block0_20ch_Forward)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Block1_20ch_Forward)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Block3_128ch_Forward)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Block0_20ch_ForwardBackward)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Block1_20ch_ForwardBackward)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Block3_128ch_ForwardBackward)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
