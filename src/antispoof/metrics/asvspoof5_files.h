// ASVspoof 5 score and key files, as the official evaluation package reads them (util.load_tsv:
// a header line naming the columns, then one line per trial; columns are found by name):
//   score file  filename<TAB>cm-score     E_000001<TAB>0.01      (higher = more bona fide)
//   key file    filename<TAB>cm-label     E_000001<TAB>bonafide  (bonafide or spoof)
// The package also names the trial column `trial_anon` and the label column `cm_label`; its full
// key tables carry more columns (attack_anon, codec, spk, asv-label, ...). Here fields are
// separated by tabs or spaces (the full tables use spaces), so no field may hold either, and every
// line must have as many fields as the header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "antispoof/metrics/score_file.h"

namespace antispoof::metrics {

// Whether the first non-empty line of `text` is an ASVspoof 5 score header: a field `cm-score`
// and a last field that is not a number (so no score line of the 2/4/6-column forms is one).
bool HasAsvspoof5ScoreHeader(std::string_view text);

// The score file (ParseScoreFile calls this on such a header): records in file order with the
// trial id of the `filename` (or `trial_anon`) column and the score of the `cm-score` column;
// keys unknown, format kAsvspoof5. Error "PATH:LINE: ..." for a header that names no trial or
// score column or one twice, a line whose field count differs from the header's, a score that is
// not a finite number, a duplicate trial (naming its first line), or no trials.
ScoreFile ParseAsvspoof5ScoreFile(std::string_view text, const std::string& path);

// Whether the first non-empty line of `text` is an ASVspoof 5 key header: it has a trial column
// (`filename` / `trial_anon`) and a label column (`cm-label` / `cm_label`).
bool HasAsvspoof5KeyHeader(std::string_view text);

struct Asvspoof5Keys {
  std::string path;
  // In file order. attack = the `attack_anon` column for spoof trials when the file has one, else
  // "-"; speaker "-" (the `spk` of the package's tables is the claimed target speaker of a
  // verification trial, not the speaker of the utterance).
  std::vector<UtteranceKey> entries;
};

// Error "PATH:LINE: ..." for a header without a trial or label column (or with one twice), a
// field count that differs from the header's, a label other than bonafide / spoof, a duplicate
// trial (naming its first line), or no trials.
Asvspoof5Keys ParseAsvspoof5Keys(std::string_view text, const std::string& path);
Asvspoof5Keys ReadAsvspoof5Keys(const std::string& path);

// JoinKeys (score_file.h) from an ASVspoof 5 key file, as the package's load_cm_scores_keys: the
// scored trials and the key file's trials must be the same set.
void JoinAsvspoof5Keys(ScoreFile& scores, const Asvspoof5Keys& keys);

// Joins the keys of the file at `path` to `scores`: an ASVspoof 5 key file when its first line is
// such a header, else a CM protocol (data::ReadProtocol, JoinProtocolKeys).
void JoinKeyFile(ScoreFile& scores, const std::string& path);

}  // namespace antispoof::metrics
