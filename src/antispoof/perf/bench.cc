#include "antispoof/perf/bench.h"

#include <ATen/Parallel.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/model/gru.h"
#include "antispoof/model/runtime.h"
#include "antispoof/model/summary.h"
#include "antispoof/optim/adam.h"
#include "antispoof/optim/loss.h"
#include "antispoof/perf/memory.h"
#include "antispoof/perf/op_profile.h"

namespace antispoof::perf {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// User + system CPU seconds of the whole process (every thread).
double ProcessCpuSeconds() {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Runs fn warmup + repeats times; returns the timed runs' wall milliseconds divided by `per`, and
// appends their CPU milliseconds (all threads) divided by `per` to *cpu_ms when given.
std::vector<double> TimeRuns(int warmup, int repeats, double per, const std::function<void()>& fn,
                             std::vector<double>* cpu_ms = nullptr) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const double c0 = ProcessCpuSeconds();
    auto t0 = Clock::now();
    fn();
    ms.push_back(Seconds(t0, Clock::now()) * 1e3 / per);
    if (cpu_ms) cpu_ms->push_back((ProcessCpuSeconds() - c0) * 1e3 / per);
  }
  return ms;
}

// Restores the caller's intra-op threads, global RNG state and GRU choice.
class ProcessStateGuard {
 public:
  ProcessStateGuard()
      : threads_(torch::get_num_threads()),
        fused_gru_(model::FusedGruEnabled()),
        rng_state_(at::detail::getDefaultCPUGenerator().get_state()) {}
  ~ProcessStateGuard() {
    torch::set_num_threads(threads_);
    model::SetFusedGruEnabled(fused_gru_);
    at::Generator generator = at::detail::getDefaultCPUGenerator();  // shares the default's state
    generator.set_state(rng_state_);
  }

 private:
  int threads_;
  bool fused_gru_;
  at::Tensor rng_state_;
};

void Log(bool on, const char* fmt, double a = 0, double b = 0) {
  if (!on) return;
  std::fprintf(stderr, "[bench] ");
  std::fprintf(stderr, fmt, a, b);
  std::fprintf(stderr, "\n");
}

nlohmann::json Num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
}  // namespace

double Median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double MeasureGemmGflops(int n, int repeats) {
  torch::NoGradGuard no_grad;
  auto a = torch::rand({n, n}), b = torch::rand({n, n}), c = torch::empty({n, n});
  auto ms = TimeRuns(1, std::max(1, repeats), 1.0, [&] { torch::mm_out(c, a, b); });
  return 2.0 * n * n * double(n) / (Median(ms) * 1e-3) / 1e9;
}

BenchResult RunBenchmark(const ModelConfig& config, const BenchOptions& options) {
  // Refused rather than clamped: a clamped value would report other batches' timings under these keys.
  if (options.batch < 1) Fail(Format("bench: batch %d: must be at least 1", options.batch));
  if (options.repeats < 1) Fail(Format("bench: repeats %d: must be at least 1", options.repeats));
  if (options.warmup < 0) Fail(Format("bench: warmup %d: must not be negative", options.warmup));
  const auto t_start = Clock::now();
  ProcessStateGuard restore;
  BenchResult r;
  r.threads = model::ConfigureThreads(options.threads);
  try {
    // Only possible before the first inter-op work of the process; otherwise keep what is set.
    at::set_num_interop_threads(r.threads);
  } catch (const std::exception&) {
  }
  r.interop_threads = at::get_num_interop_threads();
  r.batch = options.batch;
  r.nb_samp = config.nb_samp;
  r.sample_rate = config.sample_rate;
  r.repeats = options.repeats;
  r.sinc_impl = ToString(config.sinc_impl);
  model::SetFusedGruEnabled(options.fused_gru);
  r.gru = options.fused_gru ? "fused" : "torch";
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  r.omp_wait_policy = wait_policy ? wait_policy : "";
  const bool log = options.progress;
  const int warmup = options.warmup, repeats = options.repeats;
  const int batch = options.batch;

  auto summary = model::Summarize(config);
  int64_t sinc_macs = 0;
  for (const auto& st : summary.stages)
    if (st.name == "sinc_conv") sinc_macs = st.macs;
  r.gflop_per_utt = 2.0 * summary.macs / 1e9;
  const double train_gflop = 2.0 * (summary.macs + 2.0 * (summary.macs - sinc_macs)) / 1e9;
  const double train_cached_gflop = 2.0 * 3.0 * (summary.macs - sinc_macs) / 1e9;

  r.gemm_gflops = kNaN;
  if (options.gemm) {
    r.gemm_gflops = MeasureGemmGflops(options.gemm_size, std::max(3, repeats));
    Log(log, "GEMM %d: %.1f GFLOP/s", options.gemm_size, r.gemm_gflops);
  }

  torch::manual_seed(options.seed);
  model::Countermeasure net = model::CreateModel(config);
  net->SetPrecision(options.recipe.precision);
  r.model = net->Name();
  r.precision = ToString(options.recipe.precision);
  auto inputs = [&](int b) { return torch::randn({b, config.nb_samp}) * 0.1; };

  // Training first, so that its peak is not hidden by an earlier phase when VmHWM cannot be reset.
  r.train_ms_per_utt_b32 = r.train_cached_ms_per_utt_b32 = r.train_peak_rss_mb = kNaN;
  r.peak_rss_per_phase = ResetPeakRss();
  const bool int8 = options.recipe.precision == Precision::kInt8;
  if (options.train && int8) Log(log, "precision int8 is for scoring: no training step timed");
  if (options.train && !int8) {
    net->train();
    // The trainer's step: its Adam, its loss, the recipe's settings (lr at its peak).
    optim::Adam adam(net->NamedTrainableParameters(), optim::AdamOptions::FromRecipe(options.recipe));
    const torch::Tensor class_weights = optim::ClassWeights(options.recipe, torch::kCPU);
    auto x = inputs(batch);
    auto y = torch::randint(0, 2, {batch}, torch::kLong);
    auto step = [&](const std::function<torch::Tensor()>& forward) {
      adam.ZeroGrad();
      auto loss = optim::WeightedCrossEntropy(net->LogProbabilities(forward()), y, class_weights);
      loss.backward();
      adam.Step();
    };
    r.train_b32_ms = TimeRuns(warmup, repeats, batch, [&] { step([&] { return net->forward(x); }); },
                              &r.train_b32_cpu_ms);
    if (options.profile_top > 0)
      r.profile += Format("training step, batch %d:\n", batch) +
                   FormatOpTable(ProfileOps([&] { step([&] { return net->forward(x); }); }), options.profile_top);
    r.train_ms_per_utt_b32 = Median(r.train_b32_ms);
    Log(log, "train step, batch %d: %.1f ms/utt", batch, r.train_ms_per_utt_b32);
    if (options.train_cached_front_end && net->HasFixedFrontEnd()) {
      torch::Tensor features;
      {
        torch::NoGradGuard no_grad;
        features = net->FrontEnd(x);
      }
      r.train_cached_b32_ms = TimeRuns(warmup, repeats, batch, [&] {
        step([&] { return net->ForwardFromFrontEnd(features); });
      });
      r.train_cached_ms_per_utt_b32 = Median(r.train_cached_b32_ms);
      Log(log, "train step from the cached front end, batch %d: %.1f ms/utt", batch,
          r.train_cached_ms_per_utt_b32);
    }
    r.train_peak_rss_mb = PeakRssMb();
  }

  // Inference (the optimizer state is gone; gradients are released).
  for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();
  net->eval();
  torch::NoGradGuard no_grad;
  r.infer_ms_per_utt_b32 = r.front_end_ms_per_utt_b32 = r.infer_ms_per_utt_b1 = kNaN;
  r.infer_peak_rss_mb = kNaN;
  if (options.batch32 || options.batch1) {
    const bool per_phase = ResetPeakRss();
    r.peak_rss_per_phase = r.peak_rss_per_phase && per_phase;
    if (options.batch32) {
      auto x = inputs(batch);
      r.infer_b32_ms =
          TimeRuns(warmup, repeats, batch, [&] { net->forward(x); }, &r.infer_b32_cpu_ms);
      r.infer_ms_per_utt_b32 = Median(r.infer_b32_ms);
      if (options.profile_top > 0)
        r.profile += Format("inference, batch %d:\n", batch) +
                     FormatOpTable(ProfileOps([&] { net->forward(x); }), options.profile_top);
      Log(log, "inference, batch %d: %.2f ms/utt", batch, r.infer_ms_per_utt_b32);
      r.front_end_ms_per_utt_b32 =
          Median(TimeRuns(warmup, repeats, batch, [&] { net->FrontEnd(x); }));
      Log(log, "front end alone, batch %d: %.2f ms/utt", batch, r.front_end_ms_per_utt_b32);
    }
    if (options.batch1) {
      auto x = inputs(1);
      r.infer_b1_ms = TimeRuns(warmup, 3 * repeats, 1, [&] { net->forward(x); }, &r.infer_b1_cpu_ms);
      r.infer_ms_per_utt_b1 = Median(r.infer_b1_ms);
      Log(log, "inference, batch 1: %.2f ms/utt", r.infer_ms_per_utt_b1);
    }
    r.infer_peak_rss_mb = PeakRssMb();
  }
  r.peak_rss_mb = std::max(std::isfinite(r.train_peak_rss_mb) ? r.train_peak_rss_mb : 0.0,
                           std::isfinite(r.infer_peak_rss_mb) ? r.infer_peak_rss_mb : 0.0);
  if (r.peak_rss_mb == 0) r.peak_rss_mb = PeakRssMb();
  r.lifetime_peak_rss_mb = LifetimePeakRssMb();

  const double audio_ms = 1e3 * config.nb_samp / config.sample_rate;
  r.real_time_factor_b1 = r.infer_ms_per_utt_b1 / audio_ms;
  r.utt_per_s_b1 = 1e3 / r.infer_ms_per_utt_b1;
  r.utt_per_s_b32 = 1e3 / r.infer_ms_per_utt_b32;
  r.train_utt_per_s_b32 = 1e3 / r.train_ms_per_utt_b32;
  auto fraction = [&](double gflop, double ms) { return gflop / (ms * 1e-3) / r.gemm_gflops; };
  r.peak_fraction_b1 = fraction(r.gflop_per_utt, r.infer_ms_per_utt_b1);
  r.peak_fraction_b32 = fraction(r.gflop_per_utt, r.infer_ms_per_utt_b32);
  r.peak_fraction_train = fraction(train_gflop, r.train_ms_per_utt_b32);
  (void)train_cached_gflop;
  r.wall_s = Seconds(t_start, Clock::now());
  return r;
}

nlohmann::json BenchResult::ToJson() const {
  nlohmann::json j;
  j["infer_ms_per_utt_b1"] = Num(infer_ms_per_utt_b1);
  j["infer_ms_per_utt_b32"] = Num(infer_ms_per_utt_b32);
  j["train_ms_per_utt_b32"] = Num(train_ms_per_utt_b32);
  j["train_cached_front_end_ms_per_utt_b32"] = Num(train_cached_ms_per_utt_b32);
  j["front_end_ms_per_utt_b32"] = Num(front_end_ms_per_utt_b32);
  j["peak_rss_mb"] = Num(peak_rss_mb);
  j["train_peak_rss_mb"] = Num(train_peak_rss_mb);
  j["infer_peak_rss_mb"] = Num(infer_peak_rss_mb);
  j["lifetime_peak_rss_mb"] = Num(lifetime_peak_rss_mb);
  j["peak_rss_per_phase"] = peak_rss_per_phase;
  j["gemm_gflops"] = Num(gemm_gflops);
  j["real_time_factor_b1"] = Num(real_time_factor_b1);
  j["utt_per_s_b1"] = Num(utt_per_s_b1);
  j["utt_per_s_b32"] = Num(utt_per_s_b32);
  j["train_utt_per_s_b32"] = Num(train_utt_per_s_b32);
  j["gflop_per_utt"] = Num(gflop_per_utt);
  j["peak_fraction_b1"] = Num(peak_fraction_b1);
  j["peak_fraction_b32"] = Num(peak_fraction_b32);
  j["peak_fraction_train"] = Num(peak_fraction_train);
  j["threads"] = threads;
  j["precision"] = precision;
  j["interop_threads"] = interop_threads;
  j["batch"] = batch;
  j["nb_samp"] = nb_samp;
  j["sample_rate"] = sample_rate;
  j["repeats"] = repeats;
  j["sinc_impl"] = sinc_impl;
  j["gru"] = gru;
  j["omp_wait_policy"] = omp_wait_policy;
  j["model"] = model;
  j["samples_ms_per_utt"] = {{"infer_b1", infer_b1_ms},
                             {"infer_b32", infer_b32_ms},
                             {"train_b32", train_b32_ms},
                             {"train_cached_front_end_b32", train_cached_b32_ms}};
  j["cpu_ms_per_utt"] = {{"infer_b1", Num(Median(infer_b1_cpu_ms))},
                         {"infer_b32", Num(Median(infer_b32_cpu_ms))},
                         {"train_b32", Num(Median(train_b32_cpu_ms))}};
  j["wall_s"] = wall_s;
  return j;
}

std::string BenchResult::ToTable() const {
  auto ms = [](double v) { return std::isfinite(v) ? Format("%9.2f", v) : std::string("        -"); };
  auto rate = [](double v) { return std::isfinite(v) ? Format("%9.1f", v) : std::string("        -"); };
  auto pct = [](double v) { return std::isfinite(v) ? Format("%8.1f%%", 100 * v) : std::string("        -"); };
  std::string out;
  out += Format("%s, %s, threads %d (inter-op %d), nb_samp %d, batch %d, sinc %s, GRU %s, median of %d\n",
                model.c_str(), precision.c_str(), threads, interop_threads, nb_samp, batch, sinc_impl.c_str(),
                gru.c_str(), repeats);
  out += Format("%-36s %9s %9s %9s\n", "figure", "ms/utt", "utt/s", "of peak");
  out += Format("%-36s %s %s %s\n", "inference, batch 1", ms(infer_ms_per_utt_b1).c_str(),
                rate(utt_per_s_b1).c_str(), pct(peak_fraction_b1).c_str());
  out += Format("%-36s %s %s %s\n", Format("inference, batch %d", batch).c_str(),
                ms(infer_ms_per_utt_b32).c_str(), rate(utt_per_s_b32).c_str(),
                pct(peak_fraction_b32).c_str());
  out += Format("%-36s %s\n", Format("  front end alone, batch %d", batch).c_str(),
                ms(front_end_ms_per_utt_b32).c_str());
  out += Format("%-36s %s %s %s\n", Format("training step, batch %d", batch).c_str(),
                ms(train_ms_per_utt_b32).c_str(), rate(train_utt_per_s_b32).c_str(),
                pct(peak_fraction_train).c_str());
  out += Format("%-36s %s %s\n", "  from the cached front end", ms(train_cached_ms_per_utt_b32).c_str(),
                rate(std::isfinite(train_cached_ms_per_utt_b32) ? 1e3 / train_cached_ms_per_utt_b32
                                                                : train_cached_ms_per_utt_b32)
                    .c_str());
  out += Format("real-time factor, batch 1: %.4f\n", real_time_factor_b1);
  out += Format("peak RSS: %.0f MB (training %.0f MB, inference %.0f MB%s; process lifetime %.0f MB)\n",
                peak_rss_mb, train_peak_rss_mb, infer_peak_rss_mb,
                peak_rss_per_phase ? "" : ", not reset between phases", lifetime_peak_rss_mb);
  out += Format("GEMM: %.1f GFLOP/s; model: %.2f GFLOP per utterance (forward)\n", gemm_gflops,
                gflop_per_utt);
  out += Format("wall: %.1f s\n", wall_s);
  if (!profile.empty()) out += "\nper-operator profile (one run each):\n" + profile;
  return out;
}

}  // namespace antispoof::perf
