#include "antispoof/corpus/dsp.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace antispoof::corpus {
namespace {

double FrameEnergyDb(const Signal& x, int64_t begin, int64_t len) {
  double e = 0;
  int64_t end = std::min<int64_t>(begin + len, x.size());
  for (int64_t i = begin; i < end; ++i) e += static_cast<double>(x[i]) * x[i];
  return 10 * std::log10(e / std::max<int64_t>(1, len) + 1e-12);
}

}  // namespace

std::vector<double> Hann(int n) {
  std::vector<double> w(n);
  for (int i = 0; i < n; ++i) w[i] = 0.5 - 0.5 * std::cos(2 * kPi * i / n);
  return w;
}

int NextPow2(int n) {
  int p = 1;
  while (p < n) p <<= 1;
  return p;
}

void Fft(std::vector<std::complex<double>>& a, bool inverse) {
  const size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    double ang = 2 * kPi / static_cast<double>(len) * (inverse ? 1 : -1);
    std::complex<double> wl(std::cos(ang), std::sin(ang));
    for (size_t i = 0; i < n; i += len) {
      std::complex<double> w(1);
      for (size_t j = 0; j < len / 2; ++j) {
        std::complex<double> u = a[i + j], v = a[i + j + len / 2] * w;
        a[i + j] = u + v;
        a[i + j + len / 2] = u - v;
        w *= wl;
      }
    }
  }
  if (inverse)
    for (auto& v : a) v /= static_cast<double>(n);
}

Stft Analyse(const Signal& x, int n_fft, int hop) {
  Stft s;
  s.n_fft = n_fft;
  s.hop = hop;
  s.length = x.size();
  auto w = Hann(n_fft);
  int64_t frames = 1 + static_cast<int64_t>(x.size()) / hop;
  s.frames.resize(frames);
  std::vector<std::complex<double>> buf(n_fft);
  for (int64_t t = 0; t < frames; ++t) {
    int64_t start = t * hop - n_fft / 2;
    for (int i = 0; i < n_fft; ++i) {
      int64_t k = start + i;
      buf[i] = (k >= 0 && k < static_cast<int64_t>(x.size())) ? x[k] * w[i] : 0.0;
    }
    Fft(buf, false);
    s.frames[t].assign(buf.begin(), buf.begin() + n_fft / 2 + 1);
  }
  return s;
}

Signal Synthesise(const Stft& s) {
  const int n = s.n_fft;
  auto w = Hann(n);
  int64_t frames = s.frames.size();
  std::vector<double> out(frames * s.hop + n, 0.0), norm(frames * s.hop + n, 0.0);
  std::vector<std::complex<double>> buf(n);
  for (int64_t t = 0; t < frames; ++t) {
    for (int k = 0; k <= n / 2; ++k) buf[k] = s.frames[t][k];
    for (int k = 1; k < n / 2; ++k) buf[n - k] = std::conj(s.frames[t][k]);
    Fft(buf, true);
    int64_t start = t * s.hop;
    for (int i = 0; i < n; ++i) {
      out[start + i] += buf[i].real() * w[i];
      norm[start + i] += w[i] * w[i];
    }
  }
  Signal y(s.length);
  for (int64_t i = 0; i < s.length; ++i) {
    int64_t k = i + n / 2;
    y[i] = static_cast<float>(norm[k] > 1e-6 ? out[k] / norm[k] : 0.0);
  }
  return y;
}

Signal BandLimit(const Signal& x, int sample_rate, double low_hz, double high_hz) {
  const double width = 600;
  return FilterGain(x, sample_rate, [&](double f) {
    double g = 1;
    if (f >= high_hz) g = 0;
    else if (f > high_hz - width) g = 0.5 + 0.5 * std::cos(kPi * (f - (high_hz - width)) / width);
    if (low_hz > 0) {
      if (f <= low_hz * 0.5) g = 0;
      else if (f < low_hz) g *= 0.5 - 0.5 * std::cos(kPi * (f - low_hz * 0.5) / (low_hz * 0.5));
    }
    return g;
  });
}

std::vector<double> LongTermSpectrum(const Signal& x, int bands) {
  Stft s = Analyse(x, 512, 256);
  std::vector<double> energy(s.frames.size());
  double max_e = -1e300;
  for (size_t t = 0; t < s.frames.size(); ++t) {
    double e = 0;
    for (auto& v : s.frames[t]) e += std::norm(v);
    energy[t] = 10 * std::log10(e + 1e-12);
    max_e = std::max(max_e, energy[t]);
  }
  std::vector<double> out(bands, 1e-12);
  int bins = 257;
  for (size_t t = 0; t < s.frames.size(); ++t) {
    if (energy[t] < max_e - 40) continue;
    for (int k = 0; k < bins; ++k) {
      int b = std::min(bands - 1, k * bands / bins);
      out[b] += std::norm(s.frames[t][k]);
    }
  }
  return out;
}

Signal MatchSpectrum(const Signal& x, const std::vector<double>& target, double max_db) {
  const int bands = target.size();
  auto have = LongTermSpectrum(x, bands);
  double sum_t = std::accumulate(target.begin(), target.end(), 0.0);
  double sum_h = std::accumulate(have.begin(), have.end(), 0.0);
  std::vector<double> db(bands);
  for (int b = 0; b < bands; ++b)
    db[b] = std::clamp(10 * std::log10((target[b] / sum_t + 1e-12) / (have[b] / sum_h + 1e-12)),
                       -max_db, max_db);
  std::vector<double> smooth(bands);
  for (int b = 0; b < bands; ++b) {
    double acc = 0, n = 0;
    for (int d = -1; d <= 1; ++d) {
      int j = b + d;
      if (j >= 0 && j < bands) acc += db[j], n += 1;
    }
    smooth[b] = acc / n;
  }
  const double nyquist = 8000;
  return FilterGain(x, 16000, [&](double f) {
    double pos = f / nyquist * bands - 0.5;
    int i = static_cast<int>(std::floor(pos));
    double frac = pos - i;
    int i0 = std::clamp(i, 0, bands - 1), i1 = std::clamp(i + 1, 0, bands - 1);
    return std::pow(10.0, ((1 - frac) * smooth[i0] + frac * smooth[i1]) / 20);
  });
}

std::vector<bool> ActiveFrames(const Signal& x, int sample_rate, double range_db) {
  int hop = sample_rate / 100;
  int64_t frames = (static_cast<int64_t>(x.size()) + hop - 1) / hop;
  std::vector<double> e(frames);
  double max_e = -200;
  for (int64_t t = 0; t < frames; ++t) {
    e[t] = FrameEnergyDb(x, t * hop, hop);
    max_e = std::max(max_e, e[t]);
  }
  std::vector<bool> active(frames);
  for (int64_t t = 0; t < frames; ++t) active[t] = e[t] > std::max(max_e - range_db, -70.0);
  return active;
}

std::vector<std::pair<int64_t, int64_t>> SpeechCuts(const Signal& x, int sample_rate, Rng& rng) {
  const int hop = sample_rate / 100;
  auto active = ActiveFrames(x, sample_rate, 40);
  int64_t frames = active.size();
  int64_t first = 0, last = frames - 1;
  while (first < frames && !active[first]) ++first;
  while (last > first && !active[last]) --last;
  if (first >= frames) return {{0, static_cast<int64_t>(x.size())}};
  const int64_t pad = 2;  // frames kept around the speech bounds
  int64_t begin = std::max<int64_t>(0, first - pad), end = std::min(frames, last + 1 + pad);
  std::uniform_int_distribution<int> keep(12, 22);  // frames of a shortened pause
  const int64_t max_pause = 25;
  std::vector<std::pair<int64_t, int64_t>> cuts;
  int64_t seg_start = begin;
  int64_t t = begin;
  while (t < end) {
    if (active[t]) {
      ++t;
      continue;
    }
    int64_t run_end = t;
    while (run_end < end && !active[run_end]) ++run_end;
    if (run_end < end && run_end - t > max_pause) {
      int64_t k = keep(rng);
      cuts.push_back({seg_start, t + k / 2});
      seg_start = run_end - (k - k / 2);
    }
    t = run_end;
  }
  cuts.push_back({seg_start, end});
  for (auto& c : cuts) {
    c.first = std::min<int64_t>(c.first * hop, x.size());
    c.second = std::min<int64_t>(c.second * hop, x.size());
  }
  return cuts;
}

Signal ApplyCuts(const Signal& x, const std::vector<std::pair<int64_t, int64_t>>& cuts) {
  Signal y;
  const int fade = 48;
  for (size_t c = 0; c < cuts.size(); ++c) {
    int64_t b = std::min<int64_t>(cuts[c].first, x.size());
    int64_t e = std::min<int64_t>(cuts[c].second, x.size());
    if (e <= b) continue;
    size_t start = y.size();
    y.insert(y.end(), x.begin() + b, x.begin() + e);
    int64_t n = e - b;
    for (int i = 0; i < fade && i < n; ++i) {
      float g = static_cast<float>(i) / fade;
      if (c > 0) y[start + i] *= g;
      if (c + 1 < cuts.size()) y[start + n - 1 - i] *= g;
    }
  }
  return y;
}

Signal StretchTo(const Signal& x, int64_t out_len, int sample_rate) {
  if (x.empty() || out_len <= 0) return Signal(std::max<int64_t>(0, out_len), 0.0f);
  const int n = sample_rate / 50, hs = n / 2, tol = sample_rate / 200;
  const int64_t in_len = x.size();
  double ratio = static_cast<double>(in_len) / out_len;
  auto w = Hann(n);
  std::vector<double> out(out_len + n, 0.0), norm(out_len + n, 0.0);
  auto at = [&](int64_t i) -> double { return (i >= 0 && i < in_len) ? x[i] : 0.0; };
  int64_t prev = 0;
  for (int64_t k = 0; k * hs < out_len; ++k) {
    int64_t nominal = static_cast<int64_t>(std::llround(k * hs * ratio));
    int64_t pos = nominal;
    if (k > 0) {
      int64_t natural = prev + hs;
      double best = -1e300;
      for (int64_t p = nominal - tol; p <= nominal + tol; ++p) {
        if (p < 0) continue;
        double c = 0;
        for (int i = 0; i < n; i += 2) c += at(p + i) * at(natural + i);
        if (c > best) best = c, pos = p;
      }
    }
    int64_t op = k * hs;
    for (int i = 0; i < n; ++i) {
      out[op + i] += at(pos + i) * w[i];
      norm[op + i] += w[i];
    }
    prev = pos;
  }
  Signal y(out_len);
  for (int64_t i = 0; i < out_len; ++i)
    y[i] = static_cast<float>(norm[i] > 1e-3 ? out[i] / norm[i] : out[i]);
  return y;
}

Signal Limit(const Signal& x, int sample_rate, double threshold) {
  const int64_t n = x.size(), look = sample_rate / 500;
  std::vector<double> raw(n), g(n);
  for (int64_t i = 0; i < n; ++i) {
    double a = std::fabs(x[i]);
    raw[i] = a > threshold ? threshold / a : 1.0;
  }
  // Minimum over +-look samples, so the gain is already down when a peak arrives.
  std::vector<double> lo(n);
  for (int64_t i = 0; i < n; ++i) {
    double m = 1;
    for (int64_t k = std::max<int64_t>(0, i - look); k <= std::min(n - 1, i + look); ++k) m = std::min(m, raw[k]);
    lo[i] = m;
  }
  const double rel = std::exp(-1.0 / (0.04 * sample_rate)), att = std::exp(-1.0 / (0.001 * sample_rate));
  double state = 1;
  for (int64_t i = 0; i < n; ++i) {
    double coef = lo[i] < state ? att : rel;
    state = coef * state + (1 - coef) * lo[i];
    g[i] = std::min(state, lo[i]);
  }
  Signal y(n);
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(x[i] * g[i]);
  return y;
}

double ActiveLevelDb(const Signal& x, int sample_rate) {
  auto active = ActiveFrames(x, sample_rate, 30);
  int hop = sample_rate / 100;
  double e = 0;
  int64_t n = 0;
  for (size_t t = 0; t < active.size(); ++t) {
    if (!active[t]) continue;
    for (int64_t i = t * hop; i < std::min<int64_t>((t + 1) * hop, x.size()); ++i, ++n)
      e += static_cast<double>(x[i]) * x[i];
  }
  return 10 * std::log10(e / std::max<int64_t>(n, 1) + 1e-12);
}

double Levinson(const std::vector<double>& r, int order, std::vector<double>& a) {
  a.assign(order + 1, 0.0);
  a[0] = 1;
  double err = r[0];
  if (err <= 0) return 0;
  std::vector<double> tmp(order + 1);
  for (int i = 1; i <= order; ++i) {
    double acc = r[i];
    for (int j = 1; j < i; ++j) acc += a[j] * r[i - j];
    double k = -acc / err;
    tmp = a;
    for (int j = 1; j < i; ++j) a[j] = tmp[j] + k * tmp[i - j];
    a[i] = k;
    err *= (1 - k * k);
    if (err <= 0) return 0;
  }
  return err;
}

std::vector<double> TrackPitch(const Signal& x, int sample_rate, int hop) {
  const int win = sample_rate / 25;
  const int min_lag = sample_rate / 400, max_lag = sample_rate / 60;
  int64_t frames = 1 + static_cast<int64_t>(x.size()) / hop;
  std::vector<double> f0(frames, 0), energy(frames);
  double max_e = -200;
  for (int64_t t = 0; t < frames; ++t) {
    energy[t] = FrameEnergyDb(x, std::max<int64_t>(0, t * hop - win / 2), win);
    max_e = std::max(max_e, energy[t]);
  }
  std::vector<double> buf(win + max_lag);
  for (int64_t t = 0; t < frames; ++t) {
    if (energy[t] < max_e - 35) continue;
    int64_t start = t * hop - win / 2;
    for (int i = 0; i < win + max_lag; ++i) {
      int64_t k = start + i;
      buf[i] = (k >= 0 && k < static_cast<int64_t>(x.size())) ? x[k] : 0.0;
    }
    double e0 = 0;
    for (int i = 0; i < win; ++i) e0 += buf[i] * buf[i];
    double best = 0;
    int best_lag = 0;
    for (int lag = min_lag; lag <= max_lag; ++lag) {
      double c = 0, el = 0;
      for (int i = 0; i < win; ++i) c += buf[i] * buf[i + lag], el += buf[i + lag] * buf[i + lag];
      double r = c / std::sqrt(e0 * el + 1e-12);
      if (r > best) best = r, best_lag = lag;
    }
    if (best > 0.5 && best_lag > 0) f0[t] = static_cast<double>(sample_rate) / best_lag;
  }
  return f0;
}

}  // namespace antispoof::corpus
