// Trivial single-feature cues and their EER (the corpus's shortcut report).
#pragma once

#include <string>
#include <vector>

#include "antispoof/corpus/dsp.h"

namespace antispoof::corpus {

// Names, in the order Features() returns them.
const std::vector<std::string>& FeatureNames();
std::vector<double> Features(const Signal& x, int sample_rate);

// EER of `score` with higher = bona fide (0.5 = no information; 0 or 1 = perfect cue).
double Eer(const std::vector<double>& bonafide, const std::vector<double>& spoof);

}  // namespace antispoof::corpus
