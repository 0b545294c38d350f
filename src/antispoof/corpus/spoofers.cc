#include "antispoof/corpus/spoofers.h"

#include <algorithm>
#include <cmath>

namespace antispoof::corpus {
namespace {

Signal GriffinLimFromMagnitude(const std::vector<std::vector<double>>& mag, int n_fft, int hop,
                               int64_t length, int iterations, Rng& rng) {
  std::uniform_real_distribution<double> phase(-kPi, kPi);
  Stft s;
  s.n_fft = n_fft;
  s.hop = hop;
  s.length = length;
  s.frames.resize(mag.size());
  for (size_t t = 0; t < mag.size(); ++t) {
    s.frames[t].resize(mag[t].size());
    for (size_t k = 0; k < mag[t].size(); ++k) s.frames[t][k] = std::polar(mag[t][k], phase(rng));
  }
  // Fast Griffin-Lim (momentum 0.99).
  Stft prev = s;
  for (int it = 0; it < iterations; ++it) {
    Stft a = Analyse(Synthesise(s), n_fft, hop);
    for (size_t t = 0; t < mag.size() && t < a.frames.size(); ++t)
      for (size_t k = 0; k < mag[t].size(); ++k) {
        std::complex<double> proj = a.frames[t][k];
        double m = std::abs(proj);
        std::complex<double> c = m > 1e-12 ? proj / m * mag[t][k] : std::complex<double>(mag[t][k]);
        std::complex<double> next = c + 0.99 * (c - prev.frames[t][k]);
        prev.frames[t][k] = c;
        s.frames[t][k] = next;
      }
  }
  for (size_t t = 0; t < mag.size(); ++t)
    for (size_t k = 0; k < mag[t].size(); ++k) {
      double m = std::abs(s.frames[t][k]);
      s.frames[t][k] = m > 1e-12 ? s.frames[t][k] / m * mag[t][k] : 0.0;
    }
  return Synthesise(s);
}

}  // namespace

Signal GriffinLim(const Signal& x, int n_fft, int hop, int iterations, Rng& rng) {
  Stft s = Analyse(x, n_fft, hop);
  std::vector<std::vector<double>> mag(s.frames.size());
  for (size_t t = 0; t < s.frames.size(); ++t) {
    mag[t].resize(s.frames[t].size());
    for (size_t k = 0; k < mag[t].size(); ++k) mag[t][k] = std::abs(s.frames[t][k]);
  }
  return GriffinLimFromMagnitude(mag, n_fft, hop, x.size(), iterations, rng);
}

Signal MelInversion(const Signal& x, int sample_rate, int mels, int iterations, Rng& rng) {
  const int n_fft = 1024, hop = 256, bins = n_fft / 2 + 1;
  Stft s = Analyse(x, n_fft, hop);
  auto hz_to_mel = [](double f) { return 2595 * std::log10(1 + f / 700); };
  auto mel_to_hz = [](double m) { return 700 * (std::pow(10, m / 2595) - 1); };
  double top = hz_to_mel(sample_rate / 2.0);
  std::vector<double> centers(mels + 2);
  for (int m = 0; m < mels + 2; ++m) centers[m] = mel_to_hz(top * m / (mels + 1));
  std::vector<std::vector<double>> fb(mels, std::vector<double>(bins, 0));
  std::vector<double> col(bins, 1e-9);
  for (int m = 0; m < mels; ++m)
    for (int k = 0; k < bins; ++k) {
      double f = static_cast<double>(k) * sample_rate / n_fft;
      double lo = centers[m], c = centers[m + 1], hi = centers[m + 2];
      double v = 0;
      if (f > lo && f <= c) v = (f - lo) / (c - lo);
      else if (f > c && f < hi) v = (hi - f) / (hi - c);
      fb[m][k] = v;
      col[k] += v;
    }
  std::vector<std::vector<double>> mag(s.frames.size(), std::vector<double>(bins));
  std::vector<double> mel(mels);
  for (size_t t = 0; t < s.frames.size(); ++t) {
    for (int m = 0; m < mels; ++m) {
      double acc = 0, wsum = 1e-9;
      for (int k = 0; k < bins; ++k)
        if (fb[m][k] > 0) acc += fb[m][k] * std::norm(s.frames[t][k]), wsum += fb[m][k];
      // 16-bit-like log compression with a floor, as mel front ends do.
      mel[m] = std::max(std::log(acc / wsum + 1e-10), std::log(1e-10));
    }
    for (int k = 0; k < bins; ++k) {
      double acc = 0;
      for (int m = 0; m < mels; ++m) acc += fb[m][k] * mel[m];
      mag[t][k] = std::exp(0.5 * acc / col[k]);
    }
  }
  return GriffinLimFromMagnitude(mag, n_fft, hop, x.size(), iterations, rng);
}

Signal LpcVocoder(const Signal& x, int sample_rate, int order, Rng& rng) {
  const int hop = sample_rate / 100, win = sample_rate / 40;
  auto f0 = TrackPitch(x, sample_rate, hop);
  auto w = Hann(win);
  double w2 = 0;
  for (double v : w) w2 += v * v;
  w2 /= win;
  std::normal_distribution<double> noise(0, 1);
  Signal y(x.size(), 0.0f);
  std::vector<double> mem(order, 0.0), a, r(order + 1), frame(win);
  double next_pulse = 0;
  for (size_t t = 0; t < f0.size(); ++t) {
    int64_t start = static_cast<int64_t>(t) * hop - win / 2;
    for (int i = 0; i < win; ++i) {
      int64_t k = start + i;
      frame[i] = (k >= 0 && k < static_cast<int64_t>(x.size()) ? x[k] : 0.0) * w[i];
    }
    for (int l = 0; l <= order; ++l) {
      double acc = 0;
      for (int i = l; i < win; ++i) acc += frame[i] * frame[i - l];
      r[l] = acc / win / w2;
    }
    r[0] *= 1.0001;
    double err = Levinson(r, order, a);
    double gain = std::sqrt(std::max(err, 0.0));
    int64_t begin = static_cast<int64_t>(t) * hop;
    for (int i = 0; i < hop && begin + i < static_cast<int64_t>(y.size()); ++i) {
      double e;
      if (f0[t] > 0) {
        double period = sample_rate / f0[t];
        e = 0;
        if (next_pulse <= 0) {
          e = std::sqrt(period);
          next_pulse += period;
        }
        next_pulse -= 1;
      } else {
        e = noise(rng);
        next_pulse = 0;
      }
      double v = gain * e;
      for (int k = 1; k <= order; ++k) v -= a[k] * mem[k - 1];
      for (int k = order - 1; k > 0; --k) mem[k] = mem[k - 1];
      mem[0] = v;
      y[begin + i] = static_cast<float>(v);
    }
  }
  return y;
}

Signal EnvelopeWarp(const Signal& x, int sample_rate, double alpha) {
  const int n_fft = 512, hop = 128, bins = n_fft / 2 + 1, lifter = 30;
  Stft s = Analyse(x, n_fft, hop);
  std::vector<std::complex<double>> c(n_fft);
  std::vector<double> env(bins), warped(bins);
  for (auto& fr : s.frames) {
    for (int k = 0; k < bins; ++k) c[k] = std::log(std::abs(fr[k]) + 1e-9);
    for (int k = 1; k < n_fft / 2; ++k) c[n_fft - k] = c[k];
    Fft(c, true);
    for (int q = lifter; q <= n_fft - lifter; ++q) c[q] = 0;
    Fft(c, false);
    for (int k = 0; k < bins; ++k) env[k] = c[k].real();
    for (int k = 0; k < bins; ++k) {
      double src = k / alpha;
      int i = static_cast<int>(src);
      double frac = src - i;
      warped[k] = i + 1 < bins ? (1 - frac) * env[i] + frac * env[i + 1] : env[bins - 1];
    }
    for (int k = 0; k < bins; ++k) fr[k] *= std::exp(std::clamp(warped[k] - env[k], -4.0, 4.0));
  }
  return Synthesise(s);
}

}  // namespace antispoof::corpus
