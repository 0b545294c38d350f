// Held-out conditions of a built corpus: protocols that keep one language, speaker or attack out of
// train and dev and test on it alone, to measure generalisation to an unseen condition.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace antispoof::corpus {

struct HoldoutSpec {
  std::string key;    // language, speaker or attack (columns of LA/corpus_metadata.tsv)
  std::string value;  // e.g. it, LA_0104, A07
};

// "KEY=VALUE"; Error naming the text when it is not of that form or KEY is not language, speaker
// or attack.
HoldoutSpec ParseHoldout(const std::string& text);

struct HoldoutSplitCounts {
  int bonafide = 0;
  int spoof = 0;
};

struct HoldoutSummary {
  std::string root;  // the data root written: <corpus>/holdout_<key>_<value>
  std::map<std::string, HoldoutSplitCounts> splits;  // train, dev, eval
  HoldoutSplitCounts eval_seen;    // the corpus's eval split without the condition
  std::string eval_seen_protocol;  // its protocol (utterances of the corpus's eval folder)
};

// Writes <corpus_root>/holdout_<key>_<value>/, a data root in the ASVspoof 2019 LA layout that
// train, eval, score and experiment take as --data-root / data.root:
//   - train and dev: the corpus's train and dev utterances minus every utterance of the condition
//     (for attack=A: minus A's spoofs);
//   - eval: every utterance of the condition, from all three splits (for attack=A: A's spoofs from
//     all splits and the bona fide utterances of the eval split, since bona fide has no attack);
//   - the audio: LA/ASVspoof2019_LA_{train,dev} link to the corpus's folders, and
//     LA/ASVspoof2019_LA_eval/flac holds a relative link per held-out file;
//   - LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.eval_seen.trl.txt: the in-domain test set, the
//     corpus's eval split without any utterance of the condition (for attack=A: without A's spoofs); its
//     audio is the corpus's eval folder (`--data-root CORPUS --protocol FILE`);
//   - holdout.txt: the condition and the counts.
// The corpus itself is not changed. Error naming the metadata file when the key's column is absent,
// listing the values present when VALUE is not one of them, and naming the split when a split would
// be left without bona fide or spoof utterances.
HoldoutSummary WriteHoldout(const std::string& corpus_root, const HoldoutSpec& spec);

}  // namespace antispoof::corpus
