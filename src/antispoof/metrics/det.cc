#include "antispoof/metrics/det.h"

#include <algorithm>
#include <cmath>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::metrics {

DetCurve ComputeDetCurve(const std::vector<double>& bonafide, const std::vector<double>& spoof) {
  if (bonafide.empty() || spoof.empty()) {
    Fail(Format("a DET curve needs bona fide and spoof scores; got %zu bona fide and %zu spoof",
                bonafide.size(), spoof.size()));
  }
  auto is_not_finite = [](double x) { return !std::isfinite(x); };
  if (std::any_of(bonafide.begin(), bonafide.end(), is_not_finite) ||
      std::any_of(spoof.begin(), spoof.end(), is_not_finite)) {
    Fail("a DET curve needs finite scores; got NaN or infinity");
  }
  std::vector<double> sorted_bonafide = bonafide;
  std::vector<double> sorted_spoof = spoof;
  std::sort(sorted_bonafide.begin(), sorted_bonafide.end());
  std::sort(sorted_spoof.begin(), sorted_spoof.end());

  const size_t n_bonafide = bonafide.size();
  const size_t n_spoof = spoof.size();
  const size_t n = n_bonafide + n_spoof;
  const double bonafide_count = static_cast<double>(n_bonafide);
  const double spoof_count = static_cast<double>(n_spoof);
  DetCurve det;
  det.frr.resize(n + 1);
  det.far.resize(n + 1);
  det.thresholds.resize(n + 1);
  det.frr[0] = 0.0;
  det.far[0] = 1.0;

  // Merging the two sorted lists, bona fide first on ties, is the stable sort of [bona fide,
  // spoof].
  size_t b = 0, s = 0;
  for (size_t k = 1; k <= n; ++k) {
    double score;
    if (s == n_spoof || (b < n_bonafide && sorted_bonafide[b] <= sorted_spoof[s])) {
      score = sorted_bonafide[b++];
    } else {
      score = sorted_spoof[s++];
    }
    det.thresholds[k] = score;
    det.frr[k] = static_cast<double>(b) / bonafide_count;
    det.far[k] = static_cast<double>(n_spoof - s) / spoof_count;
  }
  det.thresholds[0] = det.thresholds[1] - 0.001;
  return det;
}

EerPoint ComputeEer(const DetCurve& det) {
  EerPoint point;
  double best = INFINITY;
  for (size_t k = 0; k < det.frr.size(); ++k) {
    double gap = std::fabs(det.frr[k] - det.far[k]);
    if (gap < best) {
      best = gap;
      point.index = k;
    }
  }
  point.frr = det.frr[point.index];
  point.far = det.far[point.index];
  point.eer = (point.frr + point.far) / 2.0;
  point.threshold = det.thresholds[point.index];
  return point;
}

EerPoint ComputeEer(const std::vector<double>& bonafide, const std::vector<double>& spoof) {
  return ComputeEer(ComputeDetCurve(bonafide, spoof));
}

}  // namespace antispoof::metrics
