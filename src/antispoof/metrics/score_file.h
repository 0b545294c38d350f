// Countermeasure score files. Polarity everywhere: higher score = more bona fide.
//   2 columns: UTT SCORE                              (ASVspoof 2021 form, no keys)
//   4 columns: UTT ATTACK KEY SCORE                   (2019 LA tools; antispoof writes this form)
//   6 columns: SPEAKER UTT - ATTACK KEY SCORE         (official 2019 CM score files)
//   ASVspoof 5: a header line naming the columns, then one line per trial (the official package
//               writes them tab-separated: `filename<TAB>cm-score`). See ParseScoreFile.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "antispoof/common/trial_key.h"
#include "antispoof/data/protocol.h"

namespace antispoof::metrics {

enum class ScoreFileFormat {
  kTwoColumn,
  kFourColumn,
  kSixColumn,
  kAsvspoof5,  // header + `filename cm-score` (no keys: join them with JoinAsvspoof5Keys)
};

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

  bool has_keys() const {
    return format != ScoreFileFormat::kTwoColumn && format != ScoreFileFormat::kAsvspoof5;
  }
};

// The scores of keyed records by class, in record order. Error naming the first record without a key
// (a 2-column file needs its keys joined first).
struct ScoresByKey {
  std::vector<double> bonafide, spoof;
};
ScoresByKey SplitByKey(const std::vector<ScoreRecord>& records, const std::string& source);

// Parses score file text; `path` names the source in error messages ("PATH:LINE: what is wrong").
// The first non-empty line fixes the format for the whole file. It is an ASVspoof 5 header when
// one of its fields is `cm-score` and its last field is not a number (a score line always ends in
// one, so no file of the other forms reads differently): the trial id is the column named
// `filename` (or `trial_anon`), the score the column `cm-score`; other columns (e.g. the SASV
// file's spk, asv-score, sasv-score) are read past. Every line must have as many fields as the
// header. Otherwise the column count of that first line decides among the 2/4/6-column forms.
// Fields are separated by tabs or spaces, so no field may contain either.
ScoreFile ParseScoreFile(std::string_view text, const std::string& path);
ScoreFile ReadScoreFile(const std::string& path);

// Text of a score file; scores are written with the shortest exact (round-trip) spelling.
// The 4- and 6-column forms need every record's key; kAsvspoof5 writes the header
// `filename<TAB>cm-score` and tab-separated lines, as the ASVspoof 5 package reads them.
std::string FormatScoreFile(const std::vector<ScoreRecord>& records,
                            ScoreFileFormat format = ScoreFileFormat::kFourColumn);
// Writes atomically, replacing any previous file.
void WriteScoreFile(const std::string& path, const std::vector<ScoreRecord>& records,
                    ScoreFileFormat format = ScoreFileFormat::kFourColumn);

// Field readers the score and key file parsers share: Error "PATH:LINE: ..." for a key other than
// bonafide / spoof, a score that is not a number, or one that is NaN or infinite.
TrialKey ParseTrialKeyField(const std::string& field, const std::string& path, long line);
double ParseScoreField(const std::string& field, const std::string& path, long line);

// One utterance's key as a protocol or key file gives it.
struct UtteranceKey {
  std::string utterance;
  std::string attack = "-";  // "-" for bona fide (and when the source names no attack)
  TrialKey key = TrialKey::kUnknown;
  std::string speaker = "-";
};

// Fills attack, key and speaker of every record from `keys` (unique utterances, every key known).
// Every scored utterance must be among the keys and every key's utterance must be scored,
// otherwise an Error naming the count and the first few ids; `keys_kind` ("protocol", "key file")
// and `keys_path` name the source in it. The file becomes 4-column.
void JoinKeys(ScoreFile& scores, const std::vector<UtteranceKey>& keys,
              const std::string& keys_kind, const std::string& keys_path);

// JoinKeys from a CM key protocol (data::ParseProtocol: 5, 4 or 3 columns). Error naming the
// protocol when it has no keys (a trial list).
void JoinProtocolKeys(ScoreFile& scores, const data::Protocol& protocol);

}  // namespace antispoof::metrics
