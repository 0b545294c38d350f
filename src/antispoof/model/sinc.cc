#include "antispoof/model/sinc.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

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

void SincConvImpl::PooledMagnitudeOf(const torch::Tensor& x, int64_t b, int64_t c0, int64_t c1,
                                     int64_t pool, const torch::Tensor& spectrum, torch::Tensor& out) const {
  const int64_t n_fft = spectrum_n_fft_, pooled = out.size(2);
  const torch::Tensor spectrum_x = torch::fft::rfft(x[b], n_fft, -1);  // [1, F]
  const torch::Tensor full = torch::fft::irfft(spectrum_x * spectrum.narrow(0, c0, c1 - c0), n_fft, -1);
  for (int64_t c = c0; c < c1; ++c) {
    const float* in = full[c - c0].data_ptr<float>();
    float* o = out[b][c].data_ptr<float>();
    for (int64_t j = 0; j < pooled; ++j) {
      float m = std::fabs(in[j * pool]);
      for (int64_t k = 1; k < pool; ++k) {
        const float v = std::fabs(in[j * pool + k]);
        if (v > m || std::isnan(v)) m = v;  // max_pool1d propagates NaN
      }
      o[j] = m;
    }
  }
}

torch::Tensor SincConvImpl::PooledMagnitude(const torch::Tensor& x, int64_t pool) {
  torch::NoGradGuard no_grad;
  if (impl_ != SincImpl::kFft || !x.device().is_cpu() || x.scalar_type() != torch::kFloat)
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
  // Work items: (utterance, group of channels), enough of them to occupy every thread at batch 1.
  const int64_t threads = at::get_num_threads();
  const int64_t groups = batch >= threads ? 1 : std::min(channels, (threads + batch - 1) / batch);
  const int64_t group_size = (channels + groups - 1) / groups;
  at::parallel_for(0, batch * groups, 1, [&](int64_t begin, int64_t end) {
    torch::NoGradGuard worker_no_grad;  // grad mode is per thread
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / groups, c0 = (item % groups) * group_size;
      if (c0 < channels) PooledMagnitudeOf(xc, b, c0, std::min(channels, c0 + group_size), pool, spectrum, out);
    }
  });
  return out;
}

}  // namespace antispoof::model
