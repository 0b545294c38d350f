// DET curve and EER exactly as the official ASVspoof tools (compute_det_curve / compute_eer).
// Bona fide = positive class; higher score = more bona fide.
#pragma once

#include <cstddef>
#include <vector>

namespace antispoof::metrics {

// N + 1 operating points for N = n_bonafide + n_spoof scores. Point k rejects the k lowest scores
// of the stably sorted list (bona fide first, so a bona fide score sorts before an equal spoof
// score): frr[k] = bona fide among them / n_bonafide, far[k] = spoof above them / n_spoof,
// thresholds = [lowest - 0.001, sorted scores...].
struct DetCurve {
  std::vector<double> frr;
  std::vector<double> far;
  std::vector<double> thresholds;
};

// Error when either class is empty.
DetCurve ComputeDetCurve(const std::vector<double>& bonafide, const std::vector<double>& spoof);

struct EerPoint {
  double eer = 0.0;        // (frr + far) / 2 at the point, a fraction
  double threshold = 0.0;  // thresholds[index]
  double frr = 0.0;
  double far = 0.0;
  size_t index = 0;  // the FIRST k minimising |frr[k] - far[k]|
};

EerPoint ComputeEer(const DetCurve& det);
EerPoint ComputeEer(const std::vector<double>& bonafide, const std::vector<double>& spoof);

}  // namespace antispoof::metrics
