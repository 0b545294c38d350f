// Template definitions for dsp.h.
#pragma once

#include <complex>
#include <vector>

namespace antispoof::corpus {

template <typename GainFn>
Signal FilterGain(const Signal& x, int sample_rate, GainFn gain) {
  if (x.empty()) return x;
  int n = NextPow2(static_cast<int>(x.size()) + 2048);
  std::vector<std::complex<double>> a(n);
  for (size_t i = 0; i < x.size(); ++i) a[i] = x[i];
  Fft(a, false);
  for (int k = 0; k <= n / 2; ++k) {
    double g = gain(static_cast<double>(k) * sample_rate / n);
    a[k] *= g;
    if (k > 0 && k < n / 2) a[n - k] *= g;
  }
  Fft(a, true);
  Signal y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(a[i].real());
  return y;
}

}  // namespace antispoof::corpus
