#include "antispoof/augment/rawboost.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numeric>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::augment {
namespace {

double Sinc(double x) { return x == 0 ? 1.0 : std::sin(M_PI * x) / (M_PI * x); }

// A Hamming-windowed band-stop FIR of odd length `taps`, stop band [f1, f2] Hz, unit gain at 0 Hz.
std::vector<double> BandStop(int taps, double f1, double f2, double fs) {
  std::vector<double> h(static_cast<size_t>(taps));
  const double mid = (taps - 1) / 2.0;
  const double a = f1 / fs, b = f2 / fs;  // cycles per sample
  for (int n = 0; n < taps; ++n) {
    const double t = n - mid;
    // all-pass minus the band-pass [a, b]
    const double ideal = (t == 0 ? 1.0 : 0.0) - (2 * b * Sinc(2 * b * t) - 2 * a * Sinc(2 * a * t));
    const double window = taps == 1 ? 1.0 : 0.54 - 0.46 * std::cos(2 * M_PI * n / (taps - 1));
    h[n] = ideal * window;
  }
  const double dc = std::accumulate(h.begin(), h.end(), 0.0);
  if (dc != 0)
    for (double& v : h) v /= dc;
  return h;
}

std::vector<double> Convolve(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out(a.size() + b.size() - 1, 0.0);
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b.size(); ++j) out[i + j] += a[i] * b[j];
  return out;
}

std::vector<double> ToDouble(const std::vector<float>& x) { return std::vector<double>(x.begin(), x.end()); }

// Scales y to peak 1 when its peak exceeds 1 (the reference's normWav(y, 0)).
void LimitPeak(std::vector<double>& y) {
  double peak = 0;
  for (double v : y) peak = std::max(peak, std::abs(v));
  if (peak > 1)
    for (double& v : y) v /= peak;
}

std::vector<float> ToFloat(const std::vector<double>& y) { return std::vector<float>(y.begin(), y.end()); }

}  // namespace

double FirMagnitude(const std::vector<double>& b, double f_hz, double fs) {
  // Horner in z = e^{-jw}: sum_k b[k] z^k.
  const std::complex<double> z = std::polar(1.0, -2 * M_PI * f_hz / fs);
  std::complex<double> sum = 0;
  for (size_t k = b.size(); k-- > 0;) sum = sum * z + b[k];
  return std::abs(sum);
}

NotchBank DesignNotchBank(const RawBoostParams& p, double gain_lo, double gain_hi, double fs, Rng& rng) {
  NotchBank bank;
  bank.b = {1.0};
  const double nyquist = fs / 2;
  for (int i = 0; i < p.n_bands; ++i) {
    NotchBand band;
    band.centre_hz = rng.Uniform(p.centre_hz[0], p.centre_hz[1]);
    band.width_hz = rng.Uniform(p.width_hz[0], p.width_hz[1]);
    band.taps = static_cast<int>(std::floor(rng.Uniform(p.taps[0], p.taps[1])));
    if (band.taps % 2 == 0) ++band.taps;
    const double f1 = std::max(band.centre_hz - band.width_hz / 2, 1e-3);
    const double f2 = std::min(band.centre_hz + band.width_hz / 2, nyquist - 1e-3);
    bank.b = Convolve(bank.b, BandStop(band.taps, f1, std::max(f1, f2), fs));
    bank.bands.push_back(band);
  }
  bank.gain_db = rng.Uniform(gain_lo, gain_hi);
  double peak = 0;
  for (int k = 0; k < 512; ++k) peak = std::max(peak, FirMagnitude(bank.b, nyquist * k / 512.0, fs));
  const double scale = std::pow(10.0, bank.gain_db / 20) / (peak > 0 ? peak : 1.0);
  for (double& v : bank.b) v *= scale;
  return bank;
}

std::vector<double> FilterAligned(const std::vector<double>& x, const std::vector<double>& b) {
  const int64_t n = static_cast<int64_t>(x.size()), m = static_cast<int64_t>(b.size());
  const int64_t delay = (m - 1) / 2;
  std::vector<double> y(x.size(), 0.0);
  // y[t] = sum_k b[k] x[t + delay - k], in blocks of the output that stay in the L1 cache: one pass
  // over the block per tap (a loop that vectorises).
  constexpr int64_t kBlock = 1024;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = std::min(n, start + kBlock);
    double* dst = y.data();
    for (int64_t k = 0; k < m; ++k) {
      const int64_t shift = delay - k;  // y[t] += b[k] x[t + shift]
      const int64_t lo = std::max(start, -shift), hi = std::min(end, n - shift);
      const double bk = b[k];
      const double* src = x.data() + shift;
      for (int64_t t = lo; t < hi; ++t) dst[t] += bk * src[t];
    }
  }
  return y;
}

std::vector<float> LnlConvolutiveNoise(const std::vector<float>& x, const RawBoostParams& p, double fs, Rng& rng) {
  const std::vector<double> xd = ToDouble(x);
  std::vector<double> y(x.size(), 0.0), power(x.size(), 1.0);
  double gain_lo = p.gain_db[0], gain_hi = p.gain_db[1];
  for (int j = 1; j <= p.n_f; ++j) {
    if (j == 2) {
      gain_lo -= p.nonlinear_bias_db[0];
      gain_hi -= p.nonlinear_bias_db[1];
    }
    const NotchBank bank = DesignNotchBank(p, gain_lo, gain_hi, fs, rng);
    for (size_t t = 0; t < xd.size(); ++t) power[t] *= xd[t];  // x^j
    const std::vector<double> f = FilterAligned(power, bank.b);
    for (size_t t = 0; t < y.size(); ++t) y[t] += f[t];
  }
  if (!y.empty()) {
    const double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
    for (double& v : y) v -= mean;
  }
  LimitPeak(y);
  return ToFloat(y);
}

std::vector<float> IsdAdditiveNoise(const std::vector<float>& x, const RawBoostParams& p, Rng& rng) {
  std::vector<double> y = ToDouble(x);
  const double beta = rng.Uniform(0, p.isd_percent);
  const size_t n = x.size();
  const size_t count = std::min(n, static_cast<size_t>(std::floor(static_cast<double>(n) * beta / 100)));
  // The first `count` entries of a random permutation (partial Fisher-Yates): distinct positions.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t i = 0; i < count; ++i) std::swap(order[i], order[i + rng.Below(n - i)]);
  for (size_t i = 0; i < count; ++i) {
    const size_t t = order[i];
    const double u = 2 * rng.Uniform() - 1, v = 2 * rng.Uniform() - 1;
    y[t] = x[t] + p.isd_gain * x[t] * u * v;
  }
  LimitPeak(y);
  return ToFloat(y);
}

std::vector<float> SsiAdditiveNoise(const std::vector<float>& x, const RawBoostParams& p, double fs, Rng& rng) {
  std::vector<double> noise(x.size());
  for (double& v : noise) v = rng.Normal();
  const NotchBank bank = DesignNotchBank(p, p.gain_db[0], p.gain_db[1], fs, rng);
  noise = FilterAligned(noise, bank.b);
  const double snr_db = rng.Uniform(p.ssi_snr_db[0], p.ssi_snr_db[1]);
  double noise_energy = 0, signal_energy = 0;
  for (double v : noise) noise_energy += v * v;
  for (float v : x) signal_energy += static_cast<double>(v) * v;
  // The reference first scales the noise to peak 1; the SNR scaling below makes that a no-op.
  const double scale = noise_energy > 0 ? std::sqrt(signal_energy / noise_energy) / std::pow(10.0, snr_db / 20) : 0;
  std::vector<float> y(x.size());
  for (size_t t = 0; t < x.size(); ++t) y[t] = static_cast<float>(x[t] + scale * noise[t]);
  return y;
}

std::vector<float> ApplyRawBoost(const std::vector<float>& x, const RawBoostParams& p, double fs, Rng& rng) {
  switch (p.algo) {
    case 1: return LnlConvolutiveNoise(x, p, fs, rng);
    case 2: return IsdAdditiveNoise(x, p, rng);
    case 3: return SsiAdditiveNoise(x, p, fs, rng);
    case 4: {
      std::vector<float> y = LnlConvolutiveNoise(x, p, fs, rng);
      y = IsdAdditiveNoise(y, p, rng);
      return SsiAdditiveNoise(y, p, fs, rng);
    }
    case 5: return IsdAdditiveNoise(LnlConvolutiveNoise(x, p, fs, rng), p, rng);
    case 6: return SsiAdditiveNoise(LnlConvolutiveNoise(x, p, fs, rng), p, fs, rng);
    case 7: return SsiAdditiveNoise(IsdAdditiveNoise(x, p, rng), p, fs, rng);
    case 8: {
      const std::vector<float> a = LnlConvolutiveNoise(x, p, fs, rng);
      const std::vector<float> b = IsdAdditiveNoise(x, p, rng);
      std::vector<double> sum(x.size());
      for (size_t t = 0; t < x.size(); ++t) sum[t] = static_cast<double>(a[t]) + b[t];
      LimitPeak(sum);
      return ToFloat(sum);
    }
    default: Fail(Format("augment.rawboost.algo: %d is not one of RawBoost's algorithms 1-8", p.algo));
  }
}

}  // namespace antispoof::augment
