#include "antispoof/augment/simple.h"

#include <cmath>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::augment {

void ApplyGain(std::vector<float>& x, double db) {
  const double g = std::pow(10.0, db / 20);
  for (float& v : x) v = static_cast<float>(v * g);
}

std::vector<float> ChangeSpeed(const std::vector<float>& x, double factor, double fs) {
  if (!(factor > 0)) Fail(Format("speed factor must be positive, got %g", factor));
  if (x.empty() || factor == 1) return x;
  std::vector<float> y = audio::Resample(x, fs * factor, fs);
  y.resize(static_cast<size_t>(std::llround(static_cast<double>(x.size()) / factor)), 0.0f);
  return y;
}

std::vector<float> MakeNoise(int64_t n, const std::string& colour, Rng& rng) {
  std::vector<double> v(static_cast<size_t>(std::max<int64_t>(n, 0)));
  if (colour == "white") {
    for (double& s : v) s = rng.Normal();
  } else if (colour == "pink") {
    // Paul Kellet's economy pink filter (within 0.05 dB of 1/f above ~10 Hz at 44.1 kHz; the slope
    // holds at other rates).
    double b0 = 0, b1 = 0, b2 = 0;
    for (double& s : v) {
      const double w = rng.Normal();
      b0 = 0.99765 * b0 + w * 0.0990460;
      b1 = 0.96300 * b1 + w * 0.2965164;
      b2 = 0.57000 * b2 + w * 1.0526913;
      s = b0 + b1 + b2 + w * 0.1848;
    }
  } else if (colour == "brown") {
    double acc = 0;
    for (double& s : v) {
      acc = 0.998 * acc + rng.Normal();  // leaky, so it cannot drift away
      s = acc;
    }
  } else {
    Fail("unknown noise colour '" + colour + "' (known: white, pink, brown)");
  }
  double mean = 0, energy = 0;
  for (double s : v) mean += s;
  if (!v.empty()) mean /= static_cast<double>(v.size());
  for (double& s : v) {
    s -= mean;
    energy += s * s;
  }
  const double scale = energy > 0 ? std::sqrt(static_cast<double>(v.size()) / energy) : 0;
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i] * scale);
  return out;
}

void AddNoiseAtSnr(std::vector<float>& x, const std::vector<float>& noise, double snr_db) {
  if (noise.size() != x.size())
    Fail(Format("noise of %zu samples cannot be added to %zu samples", noise.size(), x.size()));
  double px = 0, pn = 0;
  for (float v : x) px += static_cast<double>(v) * v;
  for (float v : noise) pn += static_cast<double>(v) * v;
  if (px <= 0 || pn <= 0) return;
  const double scale = std::sqrt(px / pn / std::pow(10.0, snr_db / 10));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(x[i] + scale * noise[i]);
}

}  // namespace antispoof::augment
