// Accuracy of bona fide / spoof decisions, as a fraction.
#pragma once

#include <vector>

namespace antispoof::metrics {

// A score strictly above the threshold is a bona fide decision. Error when both lists are empty.
double AccuracyAtThreshold(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                           double threshold);

// Class decision from the network's two outputs (class 0 = spoof, class 1 = bona fide): the argmax,
// and on a tie class 0, as numpy/torch argmax.
inline bool PredictsBonafide(double spoof_output, double bonafide_output) {
  return bonafide_output > spoof_output;
}

// Fraction of decisions equal to the truth. Error when the sizes differ or are 0.
double AccuracyFromDecisions(const std::vector<bool>& predicted_bonafide,
                             const std::vector<bool>& is_bonafide);

}  // namespace antispoof::metrics
