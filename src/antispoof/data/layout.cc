#include "antispoof/data/layout.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unordered_map>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/common/text_lines.h"

namespace antispoof::data {
namespace {

namespace fs = std::filesystem;

bool IsDir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool IsFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool LooksLikeLa(const std::string& dir) {
  if (IsDir(dir + "/ASVspoof2019_LA_cm_protocols")) return true;
  for (Split s : {Split::kTrain, Split::kDev, Split::kEval}) {
    if (IsDir(dir + "/ASVspoof2019_LA_" + SplitName(s))) return true;
  }
  return false;
}

std::string ProtocolName(Split split) {
  switch (split) {
    case Split::kTrain: return "ASVspoof2019.LA.cm.train.trn.txt";
    case Split::kDev: return "ASVspoof2019.LA.cm.dev.trl.txt";
    case Split::kEval: return "ASVspoof2019.LA.cm.eval.trl.txt";
  }
  return "";
}

const std::vector<std::pair<DatasetLayout, const char*>>& LayoutNames() {
  static const std::vector<std::pair<DatasetLayout, const char*>> names = {
      {DatasetLayout::kAuto, "auto"},           {DatasetLayout::kLa2019, "la2019"},
      {DatasetLayout::kLa2021, "la2021"},       {DatasetLayout::kDf2021, "df2021"},
      {DatasetLayout::kAsvspoof5, "asvspoof5"}, {DatasetLayout::kInTheWild, "itw"},
      {DatasetLayout::kFolder, "folder"}};
  return names;
}

// Sub-folders of `root` whose names start with `prefix`, sorted.
std::vector<std::string> DirsStartingWith(const std::string& root, const std::string& prefix) {
  std::vector<std::string> dirs;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (StartsWith(name, prefix) && IsDir(it->path().string())) dirs.push_back(it->path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// The audio folders of a layout other than la2019 that exist under root, most specific first;
// root/flac and root last.
std::vector<std::string> LayoutDirs(const std::string& root, DatasetLayout layout) {
  std::vector<std::string> dirs;
  switch (layout) {
    case DatasetLayout::kLa2021:
      dirs.push_back(root + "/ASVspoof2021_LA_eval/flac");
      break;
    case DatasetLayout::kDf2021:
      dirs.push_back(root + "/ASVspoof2021_DF_eval/flac");
      for (const std::string& part : DirsStartingWith(root, "ASVspoof2021_DF_eval_part"))
        dirs.push_back(part + "/ASVspoof2021_DF_eval/flac");
      break;
    case DatasetLayout::kAsvspoof5:
      dirs = DirsStartingWith(root, "flac_");
      break;
    case DatasetLayout::kInTheWild:
      dirs.push_back(root + "/release_in_the_wild");
      break;
    default:
      break;
  }
  dirs.push_back(root + "/flac");
  dirs.push_back(root);
  std::vector<std::string> existing;
  for (const std::string& d : dirs) {
    if (IsDir(d)) existing.push_back(d);
  }
  return existing;
}

bool IsAudioFile(const fs::path& p) {
  const std::string ext = ToLower(p.extension().string());
  return ext == ".flac" || ext == ".wav" || ext == ".ogg";
}

}  // namespace

DatasetLayout ParseLayout(std::string_view name) {
  std::string known;
  for (const auto& [layout, n] : LayoutNames()) {
    if (name == n) return layout;
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  Fail("unknown layout '" + std::string(name) + "': expected one of " + known);
}

std::string LayoutName(DatasetLayout layout) {
  for (const auto& [l, n] : LayoutNames()) {
    if (l == layout) return n;
  }
  return "?";
}

Split ParseSplit(std::string_view name) {
  if (name == "train") return Split::kTrain;
  if (name == "dev") return Split::kDev;
  if (name == "eval") return Split::kEval;
  Fail("unknown split '" + std::string(name) + "': expected train, dev or eval");
}

std::string SplitName(Split split) {
  switch (split) {
    case Split::kTrain: return "train";
    case Split::kDev: return "dev";
    case Split::kEval: return "eval";
  }
  return "";
}

std::optional<Split> SplitOfUtterance(std::string_view utt) {
  if (StartsWith(utt, "LA_T_")) return Split::kTrain;
  if (StartsWith(utt, "LA_D_")) return Split::kDev;
  if (StartsWith(utt, "LA_E_")) return Split::kEval;
  return std::nullopt;
}

std::optional<std::string> FindLaRoot(const std::string& root) {
  if (LooksLikeLa(root)) return root;
  if (LooksLikeLa(root + "/LA")) return root + "/LA";
  return std::nullopt;
}

std::string FindProtocol(const std::string& root, Split split) {
  std::vector<std::string> tried;
  for (const std::string& la : {root, root + "/LA"}) {
    std::string path = la + "/ASVspoof2019_LA_cm_protocols/" + ProtocolName(split);
    if (IsFile(path)) return path;
    tried.push_back(path);
  }
  Fail(Format("no %s protocol under %s (tried %s and %s)", SplitName(split).c_str(), root.c_str(),
              tried[0].c_str(), tried[1].c_str()));
}

AudioLocator::AudioLocator(std::string root, std::optional<Split> split, DatasetLayout layout)
    : root_(std::move(root)), split_(split), layout_(layout) {
  if (!IsDir(root_)) Fail(Located(root_, 0, "audio folder does not exist"));
  if (layout_ == DatasetLayout::kAuto || layout_ == DatasetLayout::kLa2019) {
    la_root_ = FindLaRoot(root_);
    flat_dir_ = IsDir(root_ + "/flac") ? root_ + "/flac" : root_;
  } else {
    layout_dirs_ = LayoutDirs(root_, layout_);
  }
}

std::vector<std::string> AudioLocator::Dirs(const std::string& utt) const {
  if (!layout_dirs_.empty()) {
    if (layout_ == DatasetLayout::kAsvspoof5) {  // T_ -> flac_T, D_ -> flac_D, E_ -> flac_E_*
      const size_t bar = utt.find('_');
      if (bar != std::string::npos) {
        std::vector<std::string> dirs;
        for (const std::string& d : layout_dirs_) {
          if (StartsWith(fs::path(d).filename().string(), "flac_" + utt.substr(0, bar))) dirs.push_back(d);
        }
        if (!dirs.empty()) return dirs;
      }
    }
    return layout_dirs_;
  }
  if (!la_root_) return {flat_dir_};
  std::optional<Split> split = split_ ? split_ : SplitOfUtterance(utt);
  if (split) return {*la_root_ + "/ASVspoof2019_LA_" + SplitName(*split) + "/flac"};
  return {*la_root_ + "/ASVspoof2019_LA_train/flac", *la_root_ + "/ASVspoof2019_LA_dev/flac",
          *la_root_ + "/ASVspoof2019_LA_eval/flac"};
}

std::optional<std::string> AudioLocator::Find(const std::string& utt) const {
  for (const std::string& dir : Dirs(utt)) {
    for (const char* ext : {".flac", ".wav"}) {
      std::string path = dir + "/" + utt + ext;
      if (IsFile(path)) return path;
    }
  }
  return std::nullopt;
}

std::optional<std::string> AudioLocator::FindEntry(const ProtocolEntry& entry) const {
  if (entry.file.empty()) return Find(entry.utt);
  const std::vector<std::string> dirs = layout_dirs_.empty() ? std::vector<std::string>{root_} : layout_dirs_;
  for (const std::string& dir : dirs) {
    std::string path = dir + "/" + entry.file;
    if (IsFile(path)) return path;
  }
  return std::nullopt;
}

std::string AudioLocator::ExpectedEntryPath(const ProtocolEntry& entry) const {
  if (entry.file.empty()) return ExpectedPath(entry.utt);
  return (layout_dirs_.empty() ? root_ : layout_dirs_.front()) + "/" + entry.file;
}

std::string AudioLocator::ExpectedPath(const std::string& utt) const {
  return Dirs(utt).front() + "/" + utt + ".flac";
}

Dataset BuildDataset(const Protocol& protocol, const std::string& audio_root,
                     const DatasetOptions& options) {
  AudioLocator locator(audio_root, options.split, options.layout);
  Dataset dataset;
  dataset.items.reserve(protocol.entries.size());
  std::vector<std::string> missing;
  std::string expected;  // where the first missing file was expected
  for (const ProtocolEntry& e : protocol.entries) {
    std::optional<std::string> path = locator.FindEntry(e);
    if (!path) {
      if (missing.empty()) expected = locator.ExpectedEntryPath(e);
      missing.push_back(e.utt);
      continue;
    }
    dataset.items.push_back(Item{e.utt, *path, e.label, e.attack});
  }
  if (missing.empty()) return dataset;
  std::string listed;
  for (size_t i = 0; i < missing.size() && i < options.max_listed; ++i) {
    listed += (i ? ", " : "") + missing[i];
  }
  if (missing.size() > options.max_listed) listed += ", ...";
  std::string what = Format(
      "%zu of the %zu audio files listed in %s are missing under %s (first: %s; expected e.g. %s)",
      missing.size(), protocol.entries.size(), protocol.path.c_str(), audio_root.c_str(),
      listed.c_str(), expected.c_str());
  if (!options.skip_missing) Fail(what + "; use --skip-missing to go on without them");
  if (dataset.items.empty()) Fail(what + "; none is left to use");
  std::fprintf(stderr, "warning: skipping %zu missing audio files: %s\n", missing.size(),
               what.c_str());
  dataset.missing = static_cast<int64_t>(missing.size());
  return dataset;
}


Protocol FolderProtocol(const std::string& root) {
  Protocol protocol;
  protocol.path = root;
  protocol.format = ProtocolFormat::kCm3;
  protocol.has_keys = true;
  if (!IsDir(root + "/bonafide") && !IsDir(root + "/spoof")) {
    Fail(Located(root, 0, "layout folder: neither a bonafide/ nor a spoof/ subfolder exists"));
  }
  std::unordered_map<std::string, std::string> seen;  // utt -> relative path
  for (const char* key : {"bonafide", "spoof"}) {
    const fs::path dir = fs::path(root) / key;
    if (!IsDir(dir.string())) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && IsAudioFile(e.path())) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      ProtocolEntry e;
      e.file = fs::relative(f, root).generic_string();
      e.utt = f.stem().string();
      e.label = std::string(key) == "bonafide" ? kBonafide : kSpoof;
      const fs::path below = fs::relative(f, dir);
      e.attack = e.label == kBonafide ? "-" : std::distance(below.begin(), below.end()) > 1 ? below.begin()->string() : "spoof";
      e.line = static_cast<long>(protocol.entries.size()) + 1;
      if (e.utt.find_first_of(" \t") != std::string::npos) {
        Fail(Located(f.string(), 0, "a file name with a space or tab: an utterance id is one field of a score line"));
      }
      auto [it, inserted] = seen.emplace(e.utt, e.file);
      if (!inserted) {
        Fail(Located(root, 0, "two files are utterance " + e.utt + ": " + it->second + " and " + e.file));
      }
      protocol.entries.push_back(std::move(e));
    }
  }
  if (protocol.entries.empty()) {
    Fail(Located(root, 0, "layout folder: bonafide/ and spoof/ hold no .flac, .wav or .ogg file"));
  }
  return protocol;
}

namespace {

std::optional<std::string> FirstFile(const std::vector<std::string>& candidates) {
  for (const std::string& c : candidates) {
    if (IsFile(c)) return c;
  }
  return std::nullopt;
}

std::vector<std::string> KeyCandidates(const std::string& root, const std::string& track) {
  return {root + "/keys/" + track + "/CM/trial_metadata.txt",
          root + "/" + track + "-keys-full/keys/" + track + "/CM/trial_metadata.txt",
          root + "/keys/CM/trial_metadata.txt"};
}

std::vector<std::string> ItwCandidates(const std::string& root) {
  return {root + "/meta.csv", root + "/release_in_the_wild/meta.csv"};
}

}  // namespace

std::string DefaultLayoutProtocol(DatasetLayout layout, const std::string& data_root) {
  std::vector<std::string> tried;
  switch (layout) {
    case DatasetLayout::kLa2021: tried = KeyCandidates(data_root, "LA"); break;
    case DatasetLayout::kDf2021: tried = KeyCandidates(data_root, "DF"); break;
    case DatasetLayout::kInTheWild: tried = ItwCandidates(data_root); break;
    default:
      Fail("layout " + LayoutName(layout) + ": give the protocol (--protocol): it has several (train, dev, eval)");
  }
  if (auto found = FirstFile(tried)) return *found;
  Fail(Format("layout %s: no protocol under %s (tried %s); give --protocol", LayoutName(layout).c_str(),
              data_root.c_str(), JoinFirst(tried, tried.size()).c_str()));
}

DatasetLayout DetectLayout(const std::string& data_root, const std::string& protocol_path) {
  if (!protocol_path.empty()) {
    switch (ReadProtocol(protocol_path).format) {
      case ProtocolFormat::kLa2021Keys: return DatasetLayout::kLa2021;
      case ProtocolFormat::kDf2021Keys: return DatasetLayout::kDf2021;
      case ProtocolFormat::kAsvspoof5: return DatasetLayout::kAsvspoof5;
      case ProtocolFormat::kInTheWild: return DatasetLayout::kInTheWild;
      default: break;
    }
    if (IsDir(data_root + "/ASVspoof2021_LA_eval")) return DatasetLayout::kLa2021;
    if (IsDir(data_root + "/ASVspoof2021_DF_eval") || !DirsStartingWith(data_root, "ASVspoof2021_DF_eval_part").empty())
      return DatasetLayout::kDf2021;
    return DatasetLayout::kLa2019;
  }
  if (FirstFile(ItwCandidates(data_root))) return DatasetLayout::kInTheWild;
  if (IsDir(data_root + "/bonafide") || IsDir(data_root + "/spoof")) return DatasetLayout::kFolder;
  if (FirstFile(KeyCandidates(data_root, "LA"))) return DatasetLayout::kLa2021;
  if (FirstFile(KeyCandidates(data_root, "DF"))) return DatasetLayout::kDf2021;
  Fail(Located(data_root, 0,
               "cannot tell the dataset layout without a protocol: no meta.csv (itw), no bonafide/ or "
               "spoof/ subfolder (folder), no keys/LA or keys/DF trial_metadata.txt (la2021, df2021); "
               "give --protocol, or --layout"));
}

LayoutDataset ReadLayoutDataset(DatasetLayout layout, const std::string& data_root,
                                const std::string& protocol_path, DatasetOptions options) {
  LayoutDataset out;
  const bool detected = layout == DatasetLayout::kAuto;
  out.layout = detected ? DetectLayout(data_root, protocol_path) : layout;
  const std::string how = "layout " + LayoutName(out.layout) + (detected ? " (detected)" : "");
  try {
    if (out.layout == DatasetLayout::kFolder) {
      if (!protocol_path.empty()) Fail("a folder layout takes no protocol: its subfolders are the keys");
      out.protocol = FolderProtocol(data_root);
    } else {
      out.protocol = ReadProtocol(protocol_path.empty() ? DefaultLayoutProtocol(out.layout, data_root) : protocol_path);
    }
    options.layout = out.layout;
    out.dataset = BuildDataset(out.protocol, data_root, options);
  } catch (const Error& e) {
    Fail(how + ": " + e.what());
  }
  return out;
}

}  // namespace antispoof::data
