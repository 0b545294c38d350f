// Countermeasure score files. Polarity everywhere: higher score = more bona fide.
//   2 columns: UTT SCORE                              (ASVspoof 2021 form, no keys)
//   4 columns: UTT ATTACK KEY SCORE                   (2019 LA tools; antispoof writes this form)
//   6 columns: SPEAKER UTT - ATTACK KEY SCORE         (official 2019 CM score files)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "antispoof/common/trial_key.h"
#include "antispoof/data/protocol.h"

namespace antispoof::metrics {

enum class ScoreFileFormat { kTwoColumn, kFourColumn, kSixColumn };

using antispoof::TrialKey;  // common/trial_key.h

// "bonafide" / "spoof" / "unknown".
const char* TrialKeyName(TrialKey key);

struct ScoreRecord {
  std::string utterance;
  std::string attack = "-";  // "-" for bona fide (and when unknown)
  TrialKey key = TrialKey::kUnknown;
  double score = 0.0;
  std::string speaker = "-";  // only the 6-column form carries it
};

struct ScoreFile {
  std::string path;  // where it was read from (used in error messages)
  ScoreFileFormat format = ScoreFileFormat::kFourColumn;
  std::vector<ScoreRecord> records;  // in file order

  bool has_keys() const { return format != ScoreFileFormat::kTwoColumn; }
};

// Parses score file text; `path` names the source in error messages ("PATH:LINE: what is wrong").
// The column count of the first non-empty line fixes the format for the whole file.
ScoreFile ParseScoreFile(std::string_view text, const std::string& path);
ScoreFile ReadScoreFile(const std::string& path);

// Text of a score file; scores are written with the shortest exact (round-trip) spelling.
// The 4- and 6-column forms need every record's key.
std::string FormatScoreFile(const std::vector<ScoreRecord>& records,
                            ScoreFileFormat format = ScoreFileFormat::kFourColumn);
// Writes atomically, replacing any previous file.
void WriteScoreFile(const std::string& path, const std::vector<ScoreRecord>& records,
                    ScoreFileFormat format = ScoreFileFormat::kFourColumn);

// Fills attack, key and speaker of every record from a CM key protocol (data::ParseProtocol: 5, 4 or
// 3 columns). Error naming the protocol when it has no keys (a trial list); every scored utterance
// must be in the protocol and every protocol utterance must be scored, otherwise an Error naming the
// count and the first few ids. The file becomes 4-column.
void JoinProtocolKeys(ScoreFile& scores, const data::Protocol& protocol);

}  // namespace antispoof::metrics
