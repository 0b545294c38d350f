// What augmentation costs the training loader: each transform on one 64600-sample utterance, and
// BatchLoader epochs (batches of 32 x 64600 from 4 s FLAC files) with and without the README's
// example augmentation, by worker count. (Named train_*: it links the modules the trainer links.)
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/augment/augment.h"
#include "antispoof/data/loader.h"
#include "loader_items.h"

namespace {

namespace fs = std::filesystem;
namespace aug = antispoof::augment;

const std::vector<antispoof::data::Item>& Items() { return antispoof::bench::LoaderBenchItems("augment_bench"); }

std::vector<float> Utterance() {
  std::vector<float> x(64600);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(0.3 * std::sin(0.05 * i) * (0.6 + 0.4 * std::sin(0.0004 * i)) + 0.05 * std::sin(0.7 * i));
  return x;
}

// The transforms timed one by one: a config with exactly one of them on, p = 1.
aug::AugmentConfig Only(const std::string& what) {
  aug::AugmentConfig c;
  if (what.rfind("rawboost", 0) == 0) {
    c.rawboost.enabled = true;
    c.rawboost.params.algo = what.back() - '0';
  } else if (what.rfind("codec_", 0) == 0) {
    c.codec.enabled = true;
    c.codec.codecs = {what.substr(6)};
  } else if (what == "gain") {
    c.gain.enabled = true;
  } else if (what == "speed") {
    c.speed.enabled = true;
  } else if (what == "noise") {
    c.noise.enabled = true;
  }
  return c;
}

const std::vector<std::string>& Transforms() {
  static const std::vector<std::string> names = {
      "rawboost1", "rawboost2", "rawboost3", "rawboost4", "rawboost5", "rawboost6", "rawboost7", "rawboost8",
      "codec_g711u", "codec_g711a", "codec_g722", "codec_gsm", "codec_opus_8k", "codec_opus_16k", "codec_opus_32k",
      "codec_mp3_16k", "codec_mp3_32k", "codec_mp3_64k", "gain", "speed", "noise"};
  return names;
}

void BM_Transform(benchmark::State& state) {
  const std::string& what = Transforms()[state.range(0)];
  state.SetLabel(what);
  const aug::Augmenter augmenter(Only(what), 16000);
  const std::vector<float> utt = Utterance();
  uint64_t seed = 0;
  for (auto _ : state) {
    std::vector<float> x = utt;
    augmenter.Apply(x, seed++);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Transform)->DenseRange(0, 20)->Unit(benchmark::kMillisecond);

// The README's example: rawboost algo 5 at p 0.5, codecs at 0.3, gain at 0.5, speed and noise at 0.3.
aug::AugmentConfig ReadmeExample() {
  aug::AugmentConfig c;
  c.rawboost.enabled = true;
  c.rawboost.p = 0.5;
  c.codec.enabled = true;
  c.codec.p = 0.3;
  c.codec.codecs = {"g711u", "g711a", "g722", "gsm", "opus_16k", "mp3_32k"};
  c.gain.enabled = true;
  c.gain.p = 0.5;
  c.speed.enabled = true;
  c.speed.p = 0.3;
  c.noise.enabled = true;
  c.noise.p = 0.3;
  return c;
}

// range(0): workers; range(1): 0 = no augmentation, 1 = the README's example, 2 = RawBoost algo 5 on
// every utterance (the reference's recipe).
void BM_LoaderEpoch(benchmark::State& state) {
  antispoof::data::LoaderOptions o;
  o.num_workers = static_cast<int>(state.range(0));
  o.batch_size = 32;
  const int mode = static_cast<int>(state.range(1));
  state.SetLabel(mode == 0 ? "none" : mode == 1 ? "readme example" : "rawboost 5, p 1");
  if (mode > 0) {
    aug::AugmentConfig c = ReadmeExample();
    if (mode == 2) {
      c = aug::AugmentConfig();
      c.rawboost.enabled = true;
    }
    auto augmenter = std::make_shared<const aug::Augmenter>(c, 16000);
    o.transform = [augmenter](std::vector<float>& x, const antispoof::data::Item& item, uint64_t seed) {
      augmenter->Apply(x, aug::ItemSeed(seed, item.utt));
    };
  }
  antispoof::data::BatchLoader loader(Items(), o);
  antispoof::bench::TimeLoaderEpochs(state, loader);
}
BENCHMARK(BM_LoaderEpoch)
    ->ArgsProduct({{1, 2}, {0, 1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
