// Decoding throughput on generated 16 kHz mono files (4 s, like an average ASVspoof utterance).
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "temp_audio_dir.h"

namespace {

namespace fs = std::filesystem;
constexpr int kFiles = 64;
constexpr int kSamples = 64000;

const std::vector<std::string>& Files(const std::string& ext) {
  static std::map<std::string, std::vector<std::string>> cache;
  auto& files = cache[ext];
  if (!files.empty()) return files;
  const fs::path& dir = antispoof::bench::TempAudioDir("bench");
  uint32_t state = 1;
  for (int f = 0; f < kFiles; ++f) {
    std::vector<float> x(kSamples);
    for (int i = 0; i < kSamples; ++i) {
      state = state * 1664525u + 1013904223u;
      float noise = static_cast<float>(static_cast<int32_t>(state) >> 20) / 32768.0f;
      x[i] = 0.3f * std::sin(0.01f * i * (f + 1)) + 0.05f * noise;
    }
    std::string path = (dir / ("f" + std::to_string(f) + ext)).string();
    antispoof::audio::WriteAudio(path, x, 16000);
    files.push_back(path);
  }
  return files;
}

void Decode(benchmark::State& state, const std::string& ext) {
  const auto& files = Files(ext);
  size_t i = 0;
  for (auto _ : state) {
    auto x = antispoof::audio::LoadAudio(files[i++ % files.size()]);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations());  // items/s = files/s
  state.SetBytesProcessed(state.iterations() * kSamples * sizeof(float));
}

void BM_DecodeFlac(benchmark::State& state) { Decode(state, ".flac"); }
void BM_DecodeWav(benchmark::State& state) { Decode(state, ".wav"); }

void BM_DecodeAndFitFlac(benchmark::State& state) {
  const auto& files = Files(".flac");
  std::vector<float> out(64600);
  size_t i = 0;
  for (auto _ : state) {
    auto x = antispoof::audio::LoadAudio(files[i++ % files.size()]);
    antispoof::audio::FitLength(x.data(), x.size(), 64600, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Resample8kTo16k(benchmark::State& state) {
  std::vector<float> x(32000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * std::sin(0.05f * i);
  for (auto _ : state) {
    auto y = antispoof::audio::Resample(x, 8000, 16000);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_DecodeFlac)->UseRealTime();
BENCHMARK(BM_DecodeWav)->UseRealTime();
BENCHMARK(BM_DecodeAndFitFlac)->UseRealTime();
BENCHMARK(BM_Resample8kTo16k)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
