// `antispoof bench`: end-to-end speed and memory of a model config on this machine:
// inference at batch 1 and 32, a training step at batch 32 (full, and from a cached front end),
// peak RSS per phase, and this machine's float32 GEMM rate as the yardstick for "fraction of peak".
// A library call so that the experiment command can benchmark each run's config; it restores the
// caller's intra-op thread count and global RNG state, and logs progress on stderr only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "antispoof/config/config.h"

namespace antispoof::perf {

struct BenchOptions {
  int threads = 0;  // intra-op threads; 0 = all cores
  int warmup = 1;   // untimed runs before each measurement
  int repeats = 3;  // timed runs per figure (batch 1 gets 3x as many: it is cheap); the median is kept
  bool train = true;    // training step at batch `batch`
  bool batch1 = true;   // inference at batch 1
  bool batch32 = true;  // inference (and the front end alone) at batch `batch`
  // antispoof additions.
  int batch = 32;                     // the "batch 32" figures' batch size
  bool train_cached_front_end = true;  // also time a step from a precomputed front end (cache_front_end)
  bool gemm = true;                   // measure the GEMM yardstick
  int gemm_size = 2048;               // square float32 torch::mm of this size
  bool progress = true;               // one line per phase on stderr
  uint64_t seed = 0;                  // model init and inputs (the global RNG is restored after)
  bool fused_gru = true;              // RawNet2's GRU: fused (model/gru.h) or LibTorch's nn::GRU
  int profile_top = 0;  // > 0: after the timings, profile one training step and one batch inference
                        // (perf/op_profile.h) and keep their `profile_top` largest operators
  // The training step's optimizer and loss settings: the trainer's own step (optim::Adam with this
  // recipe, its weighted cross-entropy); the reference recipe unless the caller passes a config's.
  TrainConfig recipe;
};

// Milliseconds are per utterance; NaN = not measured (null in JSON).
struct BenchResult {
  double infer_ms_per_utt_b1 = 0, infer_ms_per_utt_b32 = 0, train_ms_per_utt_b32 = 0;
  double train_cached_ms_per_utt_b32 = 0;  // forward/backward/Adam from the cached front end
  double front_end_ms_per_utt_b32 = 0;     // sinc + abs + max-pool alone, eval, no grad
  double peak_rss_mb = 0;                  // the max of the phases' peaks below (VmHWM)
  double infer_peak_rss_mb = 0, train_peak_rss_mb = 0;
  double lifetime_peak_rss_mb = 0;  // getrusage ru_maxrss: the whole process, never reset
  bool peak_rss_per_phase = false;  // false: the kernel refused to reset VmHWM between phases
  double gemm_gflops = 0;
  double real_time_factor_b1 = 0;  // batch-1 compute time / audio duration
  double utt_per_s_b1 = 0, utt_per_s_b32 = 0, train_utt_per_s_b32 = 0;
  double gflop_per_utt = 0;  // forward, 2 x multiply-adds
  // Achieved GFLOP/s over gemm_gflops (training counts forward + 2x forward for the backward of
  // everything but the parameter-free sinc front end).
  double peak_fraction_b1 = 0, peak_fraction_b32 = 0, peak_fraction_train = 0;
  int threads = 0, interop_threads = 0, batch = 0, nb_samp = 0, sample_rate = 0, repeats = 0;
  std::string sinc_impl;
  std::string gru;    // "fused" or "torch" (RawNet2's GRU; see BenchOptions::fused_gru)
  std::string precision;  // "fp32", "bf16" or "int8" (the recipe's precision key)
  std::string profile;    // the operator tables of BenchOptions::profile_top ("" when not asked)
  // OMP_WAIT_POLICY as the process started ("" = unset: libgomp spins before it sleeps). The binary
  // sets passive for its computing subcommands unless the caller chose (apps/antispoof.cc).
  std::string omp_wait_policy;
  std::string model;  // the architecture's name (model::CountermeasureImpl::Name)
  std::vector<double> infer_b1_ms, infer_b32_ms, train_b32_ms, train_cached_b32_ms;  // raw, per utt
  // Process CPU time (user + system, all threads) of the same runs, per utt: on a shared machine
  // a 1-thread run's CPU time is the figure least disturbed by other processes.
  std::vector<double> infer_b1_cpu_ms, infer_b32_cpu_ms, train_b32_cpu_ms;
  double wall_s = 0;  // the whole RunBenchmark call

  nlohmann::json ToJson() const;
  std::string ToTable() const;
};

BenchResult RunBenchmark(const ModelConfig& config, const BenchOptions& options);

// Median of the samples (NaN when empty).
double Median(std::vector<double> samples);
// Median GFLOP/s of an n x n float32 torch::mm over `repeats` runs (after one warm-up).
double MeasureGemmGflops(int n, int repeats);

}  // namespace antispoof::perf
