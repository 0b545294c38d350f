// The 128 FLAC files (2.5-5 s of sines, alternating bona fide / spoof) that the loader benchmarks read, and their timing loop.
#pragma once

#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/common/trial_key.h"
#include "antispoof/data/layout.h"
#include "antispoof/data/loader.h"
#include "temp_audio_dir.h"

namespace antispoof::bench {

// Written once per process under TempAudioDir(tag); the same items afterwards.
inline const std::vector<data::Item>& LoaderBenchItems(const std::string& tag) {
  static std::vector<data::Item> items;
  if (!items.empty()) return items;
  const std::filesystem::path& dir = TempAudioDir(tag);
  for (int f = 0; f < 128; ++f) {
    std::vector<float> x(40000 + 300 * f);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * std::sin(0.01f * i * (f % 7 + 1));
    const std::string path = (dir / ("u" + std::to_string(f) + ".flac")).string();
    audio::WriteAudio(path, x, 16000);
    items.push_back({"u" + std::to_string(f), path, TrialKeyOfClass(f % 2), "-"});
  }
  return items;
}

// Whole epochs of `loader` per benchmark iteration; items/s = files/s.
inline void TimeLoaderEpochs(benchmark::State& state, data::BatchLoader& loader) {
  int64_t epoch = 0, batches = 0;
  for (auto _ : state) {
    loader.StartEpoch(epoch++);
    while (auto b = loader.Next()) {
      benchmark::DoNotOptimize(b->audio.data_ptr<float>());
      ++batches;
    }
  }
  state.SetItemsProcessed(batches * loader.options().batch_size);
}

}  // namespace antispoof::bench
