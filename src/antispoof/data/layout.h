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

// The public datasets' layouts a protocol and its audio can come in (docs/layouts.md):
//   la2019     LA/ASVspoof2019_LA_{train,dev,eval}/flac/UTT.flac, CM protocols (or a flat folder)
//   la2021     ASVspoof2021_LA_eval/flac/UTT.flac; keys/LA/CM/trial_metadata.txt (or the trial list)
//   df2021     ASVspoof2021_DF_eval[_partNN/ASVspoof2021_DF_eval]/flac/UTT.flac; keys/DF/CM/...
//   asvspoof5  flac_T/, flac_D/, flac_E_*/ UTT.flac by the T_/D_/E_ prefix; ASVspoof5.*.tsv
//   itw        release_in_the_wild/meta.csv (file,speaker,label) and the files it names
//   folder     bonafide/ and spoof/ subfolders of audio files (spoof/ATTACK/... names the attack)
enum class DatasetLayout { kAuto, kLa2019, kLa2021, kDf2021, kAsvspoof5, kInTheWild, kFolder };

// "auto", "la2019", "la2021", "df2021", "asvspoof5", "itw", "folder"; Error listing them otherwise.
DatasetLayout ParseLayout(std::string_view name);
std::string LayoutName(DatasetLayout layout);

// LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.{train.trn,dev.trl,eval.trl}.txt under
// `root` (the LA folder or its parent); Error naming the paths tried when it is absent.
std::string FindProtocol(const std::string& root, Split split);

// Finds the audio file of an utterance under the official layout
// (<LA>/ASVspoof2019_LA_<split>/flac/<utt>.flac, LA being root or root/LA) or in a flat folder
// (<root>/<utt>.flac|.wav, or <root>/flac/...). Without a split, the split of the layout is
// taken from the utterance prefix (LA_T_, LA_D_, LA_E_).
class AudioLocator {
 public:
  // kAuto and kLa2019: the 2019 layout or a flat folder (above); the other layouts look in their
  // own audio folders first, then in `root` and `root/flac`.
  explicit AudioLocator(std::string root, std::optional<Split> split = std::nullopt,
                        DatasetLayout layout = DatasetLayout::kAuto);
  // The file of a protocol entry: `file` under the root when the protocol names one, else Find(utt).
  std::optional<std::string> FindEntry(const ProtocolEntry& entry) const;
  // The existing file, or nullopt.
  std::optional<std::string> Find(const std::string& utt) const;
  // Where the file is expected (the first candidate), for messages.
  std::string ExpectedPath(const std::string& utt) const;
  std::string ExpectedEntryPath(const ProtocolEntry& entry) const;
  const std::string& root() const { return root_; }
  bool official_layout() const { return la_root_.has_value(); }

 private:
  std::vector<std::string> Dirs(const std::string& utt) const;
  std::string root_;
  std::optional<std::string> la_root_;
  std::optional<Split> split_;
  std::string flat_dir_;
  DatasetLayout layout_ = DatasetLayout::kAuto;
  std::vector<std::string> layout_dirs_;  // the layout's audio folders that exist (not la2019)
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
  DatasetLayout layout = DatasetLayout::kAuto;  // where the audio is looked for (AudioLocator)
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

// A folder of bonafide/ and spoof/ subfolders as a protocol (path = the folder, format kCm3):
// every .flac, .wav or .ogg file below them, sorted by path; utt = the file name without its
// extension; attack "-" for bona fide, for spoofs the first folder below spoof/ (spoof/A01/x.wav)
// or "spoof". Error naming the folder when neither subfolder exists or they hold no audio, and
// naming both paths when two files share a name.
Protocol FolderProtocol(const std::string& root);

// Which layout `data_root` (and the protocol, when given) is in: a protocol's format decides for
// the 2021 keys, ASVspoof 5 and In-the-Wild (LA 2019 formats and trial lists: la2021 or df2021
// when root holds that eval folder, else la2019); without a protocol, meta.csv means itw,
// bonafide/ or spoof/ means folder, the 2021 keys mean la2021/df2021. Error saying what was
// looked for when nothing matches.
DatasetLayout DetectLayout(const std::string& data_root, const std::string& protocol_path = "");

// The default protocol of a layout under data_root when none is given: la2021/df2021 keys
// (keys/{LA,DF}/CM/trial_metadata.txt, also under {LA,DF}-keys-full/), itw meta.csv (root or
// release_in_the_wild/). Error naming the paths tried, and for la2019/asvspoof5 asking for --protocol.
std::string DefaultLayoutProtocol(DatasetLayout layout, const std::string& data_root);

struct LayoutDataset {
  DatasetLayout layout = DatasetLayout::kAuto;  // the one used (detected when kAuto was asked)
  Protocol protocol;
  Dataset dataset;
};

// The items of a dataset in any layout: `protocol_path` (may be "" where the layout has a default
// or is a folder) read with ReadProtocol, the audio found under data_root. Errors name the layout
// used ("layout itw (detected): ...").
LayoutDataset ReadLayoutDataset(DatasetLayout layout, const std::string& data_root,
                                const std::string& protocol_path, DatasetOptions options = {});

}  // namespace antispoof::data
