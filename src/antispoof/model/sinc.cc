#include "antispoof/model/sinc.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace antispoof::model {
namespace {
double ToMel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double ToHz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }
double Sinc(double x) {
  if (x == 0.0) return 1.0;
  return std::sin(M_PI * x) / (M_PI * x);
}
}  // namespace

std::vector<double> MelBandEdges(int channels, int sample_rate) {
  const double mel_max = ToMel(sample_rate / 2.0);
  std::vector<double> edges(channels + 1);
  for (int i = 0; i <= channels; ++i) {
    // Same arithmetic as numpy.linspace(0, mel_max, channels + 1).
    double mel = channels == 0 ? 0.0 : mel_max * i / channels;
    edges[i] = ToHz(mel);
  }
  edges[0] = 0.0;
  return edges;
}

torch::Tensor MelSincFilters(int channels, int taps, int sample_rate) {
  auto edges = MelBandEdges(channels, sample_rate);
  auto bank = torch::empty({channels, taps}, torch::kFloat64);
  auto a = bank.accessor<double, 2>();
  const double half = (taps - 1) / 2.0;
  for (int i = 0; i < channels; ++i) {
    const double f_lo = edges[i], f_hi = edges[i + 1];
    for (int n = 0; n < taps; ++n) {
      const double t = n - half;
      const double window = 0.54 - 0.46 * std::cos(2.0 * M_PI * n / (taps - 1));
      const double high = 2.0 * f_hi / sample_rate * Sinc(2.0 * f_hi * t / sample_rate);
      const double low = 2.0 * f_lo / sample_rate * Sinc(2.0 * f_lo * t / sample_rate);
      a[i][n] = window * (high - low);
    }
  }
  return bank.to(torch::kFloat32);
}

int64_t FastFftSize(int64_t n) {
  int64_t best = 1;
  while (best < n) best *= 2;
  for (int64_t p5 = 1; p5 < best; p5 *= 5)
    for (int64_t p35 = p5; p35 < best; p35 *= 3) {
      int64_t v = p35;
      while (v < n) v *= 2;
      best = std::min(best, v);
    }
  return best;
}

SincConvImpl::SincConvImpl(int channels, int taps, int sample_rate, SincImpl impl)
    : filters_(MelSincFilters(channels, taps, sample_rate)), impl_(impl) {}

const torch::Tensor& SincConvImpl::FiltersOn(const torch::Device& device) {
  if (!filters_on_device_.defined() || filters_on_device_.device() != device)
    filters_on_device_ = filters_.to(device);
  return filters_on_device_;
}

torch::Tensor SincConvImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 3 && x.size(1) == 1, "SincConv expects [B, 1, N], got ", x.sizes());
  TORCH_CHECK(x.size(2) >= filters_.size(1), "SincConv input shorter than the filters");
  return impl_ == SincImpl::kFft ? Fft(x) : Direct(x);
}

torch::Tensor SincConvImpl::Direct(const torch::Tensor& x) {
  return torch::conv1d(x, FiltersOn(x.device()).unsqueeze(1));
}

const torch::Tensor& SincConvImpl::SpectrumFor(int64_t n_fft, const torch::Device& device) {
  if (!spectrum_.defined() || spectrum_n_fft_ != n_fft || spectrum_.device() != device) {
    spectrum_ = torch::fft::rfft(FiltersOn(device), n_fft, -1).conj();
    spectrum_n_fft_ = n_fft;
  }
  return spectrum_;
}

torch::Tensor SincConvImpl::Fft(const torch::Tensor& x) {
  // Circular cross-correlation r[n] = sum_k x[n+k] h[k] via rfft(x) * conj(rfft(h)); with
  // n_fft >= N no valid output index n <= N - K wraps around.
  const int64_t n = x.size(2), taps = filters_.size(1);
  const int64_t n_fft = FastFftSize(n);
  auto spectrum_x = torch::fft::rfft(x, n_fft, -1);                 // [B, 1, F]
  auto product = spectrum_x * SpectrumFor(n_fft, x.device()).unsqueeze(0);  // [B, C, F]
  auto full = torch::fft::irfft(product, n_fft, -1);                 // [B, C, n_fft]
  return full.narrow(2, 0, n - taps + 1).contiguous();
}

void SincConvImpl::PooledMagnitudeOf(const torch::Tensor& x, int64_t b, int64_t pool, const torch::Tensor& spectrum,
                                     torch::Tensor& out) const {
  const int64_t n_fft = spectrum_n_fft_, pooled = out.size(2);
  const torch::Tensor spectrum_x = torch::fft::rfft(x[b], n_fft, -1);  // [1, F]
  const torch::Tensor full = torch::fft::irfft(spectrum_x * spectrum, n_fft, -1);  // [C, n_fft]
  // max(|a|, |b|, |c|) on the bit patterns: with the sign bit cleared, IEEE floats order as unsigned
  // integers, and every NaN sorts above +inf, so NaN propagates as max_pool1d's does (vectorisable).
  for (int64_t c = 0; c < out.size(1); ++c) {
    const uint32_t* in = reinterpret_cast<const uint32_t*>(full[c].data_ptr<float>());
    uint32_t* o = reinterpret_cast<uint32_t*>(out[b][c].data_ptr<float>());
    constexpr uint32_t kMagnitude = 0x7fffffffu;
    for (int64_t j = 0; j < pooled; ++j) {
      uint32_t m = in[j * pool] & kMagnitude;
      for (int64_t k = 1; k < pool; ++k) m = std::max(m, in[j * pool + k] & kMagnitude);
      o[j] = m;
    }
  }
}

torch::Tensor SincConvImpl::PooledMagnitude(const torch::Tensor& x, int64_t pool) {
  torch::NoGradGuard no_grad;
  // Fewer utterances than threads: the batched transforms spread over the threads better (measured:
  // batch 1 took 8 % longer one utterance at a time).
  if (impl_ != SincImpl::kFft || !x.device().is_cpu() || x.scalar_type() != torch::kFloat ||
      x.size(0) < at::get_num_threads())
    return torch::max_pool1d(forward(x).abs_(), pool);
  TORCH_CHECK(x.dim() == 3 && x.size(1) == 1, "SincConv expects [B, 1, N], got ", x.sizes());
  TORCH_CHECK(x.size(2) >= filters_.size(1), "SincConv input shorter than the filters");
  TORCH_CHECK(pool >= 1 && (x.size(2) - filters_.size(1) + 1) >= pool, "SincConv: pool ", pool,
              " exceeds the output length");
  const int64_t batch = x.size(0), channels = filters_.size(0);
  const int64_t pooled = (x.size(2) - filters_.size(1) + 1) / pool;
  const torch::Tensor& spectrum = SpectrumFor(FastFftSize(x.size(2)), x.device());  // caches: before the threads
  const torch::Tensor xc = x.contiguous();
  torch::Tensor out = torch::empty({batch, channels, pooled}, x.options());
  at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
    torch::NoGradGuard worker_no_grad;  // grad mode is per thread
    for (int64_t b = begin; b < end; ++b) PooledMagnitudeOf(xc, b, pool, spectrum, out);
  });
  return out;
}

}  // namespace antispoof::model
