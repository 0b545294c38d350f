// Where ASVspoof audio and protocols live on disk, and the list of items of a protocol.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "antispoof/data/protocol.h"

namespace antispoof::data {

enum class Split { kTrain, kDev, kEval };

// "train", "dev" or "eval"; Error otherwise.
Split ParseSplit(std::string_view name);
std::string SplitName(Split split);
// LA_T_* -> train, LA_D_* -> dev, LA_E_* -> eval.
std::optional<Split> SplitOfUtterance(std::string_view utt);

// The LA folder of the official layout: `root` itself when it holds ASVspoof2019_LA_cm_protocols
// or an ASVspoof2019_LA_<split> folder, else `root/LA` when that does; nullopt otherwise.
std::optional<std::string> FindLaRoot(const std::string& root);

// LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.{train.trn,dev.trl,eval.trl}.txt under
// `root` (the LA folder or its parent); Error naming the paths tried when it is absent.
std::string FindProtocol(const std::string& root, Split split);

// Finds the audio file of an utterance under the official layout
// (<LA>/ASVspoof2019_LA_<split>/flac/<utt>.flac, LA being root or root/LA) or in a flat folder
// (<root>/<utt>.flac|.wav, or <root>/flac/...). Without a split, the split of the layout is
// taken from the utterance prefix (LA_T_, LA_D_, LA_E_).
class AudioLocator {
 public:
  explicit AudioLocator(std::string root, std::optional<Split> split = std::nullopt);
  // The existing file, or nullopt.
  std::optional<std::string> Find(const std::string& utt) const;
  // Where the file is expected (the first candidate), for messages.
  std::string ExpectedPath(const std::string& utt) const;
  const std::string& root() const { return root_; }
  bool official_layout() const { return la_root_.has_value(); }

 private:
  std::vector<std::string> Dirs(const std::string& utt) const;
  std::string root_;
  std::optional<std::string> la_root_;
  std::optional<Split> split_;
  std::string flat_dir_;
};

// One utterance to decode; its label is unknown for a trial list.
struct Item {
  std::string utt;
  std::string path;
  TrialKey label = kUnknownLabel;
  std::string attack;
};

struct DatasetOptions {
  std::optional<Split> split;  // of the official layout; inferred from utterance ids if absent
  bool skip_missing = false;
  size_t max_listed = 5;       // missing names quoted in the message
};

struct Dataset {
  std::vector<Item> items;
  int64_t missing = 0;  // skipped because their file does not exist (skip_missing only)
};

// The items of a protocol, in protocol order, with their audio paths. Every file is checked
// before returning: missing files are an Error giving their count and the first few names
// (before any decoding starts); with skip_missing they are left out and a line on stderr says
// how many (Error still when none exists).
Dataset BuildDataset(const Protocol& protocol, const std::string& audio_root,
                     const DatasetOptions& options = {});

}  // namespace antispoof::data
