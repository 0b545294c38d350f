#include "antispoof/corpus/shortcut.h"

#include <algorithm>
#include <cmath>

namespace antispoof::corpus {

const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> names = {
      "duration", "rms_db", "peak_db", "crest_db", "leading_silence", "trailing_silence",
      "pause_fraction", "rolloff_hz", "centroid_hz", "energy_above_4k_db", "energy_below_150_db",
      "dc"};
  return names;
}

std::vector<double> Features(const Signal& x, int sample_rate) {
  const double n = std::max<size_t>(x.size(), 1);
  double sum = 0, sq = 0, peak = 0;
  for (float v : x) sum += v, sq += static_cast<double>(v) * v, peak = std::max<double>(peak, std::fabs(v));
  double rms = std::sqrt(sq / n);
  auto active = ActiveFrames(x, sample_rate, 35);
  int64_t frames = active.size(), first = 0, last = frames - 1;
  while (first < frames && !active[first]) ++first;
  while (last > first && !active[last]) --last;
  int64_t inactive = 0;
  for (int64_t t = first; t <= last; ++t) inactive += !active[t];
  double pause = last > first ? static_cast<double>(inactive) / (last - first + 1) : 0;
  auto lts = LongTermSpectrum(x, 256);
  double total = 0, above = 0, below = 0, centroid = 0;
  const double bin_hz = sample_rate / 2.0 / 256;
  for (int b = 0; b < 256; ++b) {
    double f = (b + 0.5) * bin_hz;
    total += lts[b];
    centroid += f * lts[b];
    if (f > 4000) above += lts[b];
    if (f < 150) below += lts[b];
  }
  double acc = 0, rolloff = 0;
  for (int b = 0; b < 256; ++b) {
    acc += lts[b];
    if (acc >= 0.85 * total) {
      rolloff = (b + 0.5) * bin_hz;
      break;
    }
  }
  auto db = [](double v) { return 20 * std::log10(v + 1e-9); };
  return {x.size() / static_cast<double>(sample_rate),
          db(rms),
          db(peak),
          db(peak) - db(rms),
          first / 100.0,
          (frames - 1 - last) / 100.0,
          pause,
          rolloff,
          centroid / (total + 1e-30),
          10 * std::log10(above / (total + 1e-30) + 1e-12),
          10 * std::log10(below / (total + 1e-30) + 1e-12),
          sum / n};
}

double Eer(const std::vector<double>& bonafide, const std::vector<double>& spoof) {
  if (bonafide.empty() || spoof.empty()) return 0.5;
  std::vector<std::pair<double, int>> all;
  for (double v : bonafide) all.push_back({v, 1});
  for (double v : spoof) all.push_back({v, 0});
  std::sort(all.begin(), all.end());
  const double nb = bonafide.size(), ns = spoof.size();
  // Threshold below all[i] (accept score >= threshold as bona fide).
  double best_gap = 1e9, eer = 0.5;
  int bona_below = 0, spoof_below = 0;
  for (size_t i = 0; i <= all.size(); ++i) {
    if (i == 0 || i == all.size() || all[i].first != all[i - 1].first) {
      double frr = bona_below / nb, far = (ns - spoof_below) / ns;
      if (std::fabs(frr - far) < best_gap) best_gap = std::fabs(frr - far), eer = (frr + far) / 2;
    }
    if (i < all.size()) (all[i].second ? bona_below : spoof_below)++;
  }
  return eer;
}

}  // namespace antispoof::corpus
