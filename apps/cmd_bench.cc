// antispoof bench: inference (batch 1 and 32), a training step (batch 32), peak RSS and this
// machine's GEMM rate for a model config. Progress on stderr, results on stdout.
#include <cstdio>

#include "antispoof/config/config.h"
#include "antispoof/perf/bench.h"
#include "command.h"

namespace {
struct BenchArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::vector<antispoof::KeyFlag> key_flags;  // --threads
  antispoof::perf::BenchOptions options;
  bool json = false;
  bool no_train = false;
  bool no_cached = false;
  bool quick = false;
  bool no_infer = false;
  bool torch_gru = false;
};

antispoof::cli::Registration reg{{"bench", "Speed and memory of a model config on this machine", [](CLI::App& sub) {
  auto args = std::make_shared<BenchArgs>();
  sub.add_option("-c,--config", args->config, "YAML or JSON config (default: the reference RawNet2)");
  sub.add_option("--set", args->overrides, "Override a key, e.g. --set model.sinc_impl=fft (repeatable)");
  antispoof::cli::AddKeyFlag(sub, args->key_flags, "--threads", "threads",
                             "Intra-op threads, 0 = all cores (default: the config's)");
  antispoof::cli::AddKeyFlag(sub, args->key_flags, "--precision", "precision",
                             "fp32 or bf16 (default: the config's)");
  // Flags of the benchmark itself (no config key): their ranges are checked by the parser.
  sub.add_option("--repeats", args->options.repeats, "Timed runs per figure (median kept; batch 1 runs 3x)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  sub.add_option("--warmup", args->options.warmup, "Untimed runs before each figure")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  sub.add_option("--batch", args->options.batch, "Batch size of the batch-32 figures")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  sub.add_flag("--no-train", args->no_train, "Skip the training steps");
  sub.add_flag("--no-cached", args->no_cached, "Skip the training step from the cached front end");
  sub.add_flag("--no-infer", args->no_infer, "Skip the inference figures (batch 1 and 32)");
  sub.add_flag("--torch-gru", args->torch_gru,
               "RawNet2 with LibTorch's nn::GRU instead of the fused GRU (the same function; for comparison)");
  sub.add_option("--profile", args->options.profile_top,
                 "Also profile one training step and one batch inference and print their N largest "
                 "operators by self time (LibTorch's profiler; the timings above are taken without it)")
      ->check(CLI::Range(1, 1000));
  sub.add_flag("--quick", args->quick, "One timed run per figure, no warm-up (a rough figure)");
  sub.add_flag("--json", args->json,
               "Print JSON (infer_ms_per_utt_b1, infer_ms_per_utt_b32, train_ms_per_utt_b32, peak_rss_mb, "
               "gemm_gflops, ...)");
  return std::function<int()>([args] {
    antispoof::Config config;
    if (!args->config.empty()) config = antispoof::LoadConfig(args->config);
    for (const auto& o : args->overrides) antispoof::ApplyOverride(config, o);
    antispoof::ApplyKeyFlags(config, args->key_flags);
    auto options = args->options;
    options.threads = config.train.threads;
    options.train = !args->no_train;
    options.train_cached_front_end = !args->no_cached;
    options.batch1 = options.batch32 = !args->no_infer;
    options.fused_gru = !args->torch_gru;
    options.recipe = config.train;
    if (args->quick) {
      options.repeats = 1;
      options.warmup = 0;
    }
    auto result = antispoof::perf::RunBenchmark(config.model, options);
    if (args->json) {
      auto j = result.ToJson();
      j["config"] = args->config.empty() ? "(defaults)" : args->config;
      j["overrides"] = args->overrides;
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("config: %s\n%s", args->config.empty() ? "(defaults)" : args->config.c_str(),
                  result.ToTable().c_str());
    }
    return 0;
  });
}, 60}};
}  // namespace
