// ASVspoof protocol files: the official 5-column CM protocol, the 4- and 3-column variants and
// the ASVspoof 2021 trial list.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "antispoof/common/trial_key.h"

namespace antispoof::data {

enum class ProtocolFormat {
  kAuto,       // decided by the column count of the first non-blank line
  kCm5,        // SPEAKER UTT - ATTACK KEY (official 2019 CM protocol)
  kCm4,        // SPEAKER|flac UTT ATTACK KEY
  kCm3,        // UTT ATTACK KEY
  kTrialList,  // UTT (ASVspoof 2021 trial list, no keys)
};

std::string FormatName(ProtocolFormat format);

// Labels as the model sees them (common/trial_key.h).
inline constexpr TrialKey kSpoof = TrialKey::kSpoof;
inline constexpr TrialKey kBonafide = TrialKey::kBonafide;
inline constexpr TrialKey kUnknownLabel = TrialKey::kUnknown;  // trial lists carry no keys

struct ProtocolEntry {
  std::string speaker;  // "" when the format has none
  std::string utt;
  std::string attack;   // "-" for bona fide in the official files; "-" for trial lists
  TrialKey label = kUnknownLabel;
  long line = 0;        // 1-based line in the file
};

struct Protocol {
  std::string path;
  ProtocolFormat format = ProtocolFormat::kAuto;
  bool has_keys = false;
  std::vector<ProtocolEntry> entries;
};

// Tolerates a UTF-8 BOM (anywhere: it separates fields like a space), CRLF, blank lines and extra spaces or tabs. Error "PATH:LINE: ..." for
// a wrong column count (naming the expected columns), a key other than bonafide/spoof, a
// duplicate utterance (naming the first line), or a file with no entries.
Protocol ParseProtocol(std::string_view text, const std::string& path,
                       ProtocolFormat format = ProtocolFormat::kAuto);
Protocol ReadProtocol(const std::string& path, ProtocolFormat format = ProtocolFormat::kAuto);

struct ProtocolSummary {
  int64_t total = 0;
  int64_t bonafide = 0;
  int64_t spoof = 0;
  int64_t unlabelled = 0;
  std::map<std::string, int64_t> per_attack;  // attack id ("-" = bona fide) -> count
};

ProtocolSummary Summarize(const Protocol& protocol);
// Multi-line human-readable summary (counts per key and per attack).
std::string FormatSummary(const ProtocolSummary& summary);

}  // namespace antispoof::data
