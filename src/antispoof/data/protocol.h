// ASVspoof protocol files: the official 5-column CM protocol, the 4- and 3-column variants, the
// ASVspoof 2021 trial list and keys (LA and DF trial_metadata.txt), the ASVspoof 5 protocols and
// In-the-Wild's meta.csv.
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
  // ASVspoof 2021 LA keys (keys/LA/CM/trial_metadata.txt), 8 columns:
  //   SPEAKER UTT CODEC TRANSMISSION ATTACK KEY TRIM SUBSET
  kLa2021Keys,
  // ASVspoof 2021 DF keys (keys/DF/CM/trial_metadata.txt), 13 columns:
  //   SPEAKER UTT CODEC SOURCE ATTACK KEY TRIM SUBSET VOCODER TASK TEAM GENDER-PAIR LANGUAGE
  kDf2021Keys,
  // ASVspoof 5 protocol (ASVspoof5.{train,dev,eval}*.tsv, space-separated despite the name), 10
  // columns: SPEAKER FLAC_FILE GENDER CODEC CODEC_Q CODEC_SEED ATTACK_TAG ATTACK_LABEL KEY TMP
  kAsvspoof5,
  // In-the-Wild meta.csv: comma-separated with the header file,speaker,label (columns found by
  // name; fields may be double-quoted); labels bona-fide (or bonafide) and spoof.
  kInTheWild,
};

std::string FormatName(ProtocolFormat format);

// Labels as the model sees them (common/trial_key.h).
inline constexpr TrialKey kSpoof = TrialKey::kSpoof;
inline constexpr TrialKey kBonafide = TrialKey::kBonafide;
inline constexpr TrialKey kUnknownLabel = TrialKey::kUnknown;  // trial lists carry no keys

struct ProtocolEntry {
  std::string speaker;  // "" when the format has none
  std::string utt;
  std::string attack;   // "-" for bona fide (every format) and for trial lists; In-the-Wild has
                        // no attack ids: its spoofs are "spoof"
  std::string file;     // the audio file relative to the audio folder when the format names it
                        // (In-the-Wild's `file`), else "" (the file is UTT.flac or UTT.wav)
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
// duplicate utterance (naming the first line), or a file with no entries. kAuto decides by the
// first non-blank line: a `file,...` CSV header is In-the-Wild, else its column count (5, 4, 3,
// 1, 8 = 2021 LA keys, 13 = 2021 DF keys, 10 = ASVspoof 5). In-the-Wild's speakers have their
// spaces replaced by '_' (a speaker is one field in score files).
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
