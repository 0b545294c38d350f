#include "antispoof/metrics/accuracy.h"

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::metrics {

double AccuracyAtThreshold(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                           double threshold) {
  const size_t total = bonafide.size() + spoof.size();
  if (total == 0) Fail("accuracy needs at least one score");
  size_t correct = 0;
  for (double score : bonafide) correct += score > threshold ? 1 : 0;
  for (double score : spoof) correct += score > threshold ? 0 : 1;
  return static_cast<double>(correct) / static_cast<double>(total);
}

double AccuracyFromDecisions(const std::vector<bool>& predicted_bonafide,
                             const std::vector<bool>& is_bonafide) {
  if (predicted_bonafide.size() != is_bonafide.size()) {
    Fail(Format("accuracy: %zu decisions for %zu keys", predicted_bonafide.size(),
                is_bonafide.size()));
  }
  if (is_bonafide.empty()) Fail("accuracy needs at least one decision");
  size_t correct = 0;
  for (size_t i = 0; i < is_bonafide.size(); ++i) {
    correct += predicted_bonafide[i] == is_bonafide[i] ? 1 : 0;
  }
  return static_cast<double>(correct) / static_cast<double>(is_bonafide.size());
}

}  // namespace antispoof::metrics
