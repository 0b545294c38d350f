// The class of a trial, one encoding everywhere (protocols, loaders, scored items, score files).
// Its integer value is the model's class index: the log-probabilities [B, 2] hold spoof in
// column 0 and bona fide in column 1, and a batch's label tensor is int64 of these values;
// kUnknown (-1) marks a trial without a key (an ASVspoof 2021 trial list). The enumeration converts
// to int on purpose, so that it indexes class weights and tensors as is.
#pragma once

namespace antispoof {
namespace trial_key {
enum TrialKey : int { kUnknown = -1, kSpoof = 0, kBonafide = 1 };
}  // namespace trial_key
using trial_key::TrialKey;

// The key a model class index (0 or 1) or a tensor label (-1, 0, 1) stands for.
inline TrialKey TrialKeyOfClass(long long value) {
  return value == 1 ? TrialKey::kBonafide : value == 0 ? TrialKey::kSpoof : TrialKey::kUnknown;
}
inline bool HasKey(TrialKey key) { return key != TrialKey::kUnknown; }

}  // namespace antispoof
