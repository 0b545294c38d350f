// BatchLoader throughput (batches of 32 x 64600 from 4 s FLAC files) by worker count.
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/data/loader.h"
#include "loader_items.h"

namespace {

namespace fs = std::filesystem;

const std::vector<antispoof::data::Item>& Items() { return antispoof::bench::LoaderBenchItems("loader_bench"); }

void BM_LoaderEpoch(benchmark::State& state) {
  antispoof::data::LoaderOptions o;
  o.num_workers = static_cast<int>(state.range(0));
  o.batch_size = 32;
  antispoof::data::BatchLoader loader(Items(), o);
  antispoof::bench::TimeLoaderEpochs(state, loader);
}

BENCHMARK(BM_LoaderEpoch)->Arg(0)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
