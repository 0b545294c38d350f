#include "antispoof/data/layout.h"

#include <cstdio>
#include <filesystem>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

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

}  // namespace

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

AudioLocator::AudioLocator(std::string root, std::optional<Split> split)
    : root_(std::move(root)), split_(split) {
  if (!IsDir(root_)) Fail(Located(root_, 0, "audio folder does not exist"));
  la_root_ = FindLaRoot(root_);
  flat_dir_ = IsDir(root_ + "/flac") ? root_ + "/flac" : root_;
}

std::vector<std::string> AudioLocator::Dirs(const std::string& utt) const {
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

std::string AudioLocator::ExpectedPath(const std::string& utt) const {
  return Dirs(utt).front() + "/" + utt + ".flac";
}

Dataset BuildDataset(const Protocol& protocol, const std::string& audio_root,
                     const DatasetOptions& options) {
  AudioLocator locator(audio_root, options.split);
  Dataset dataset;
  dataset.items.reserve(protocol.entries.size());
  std::vector<std::string> missing;
  for (const ProtocolEntry& e : protocol.entries) {
    std::optional<std::string> path = locator.Find(e.utt);
    if (!path) {
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
      listed.c_str(), locator.ExpectedPath(missing.front()).c_str());
  if (!options.skip_missing) Fail(what + "; use --skip-missing to go on without them");
  if (dataset.items.empty()) Fail(what + "; none is left to use");
  std::fprintf(stderr, "warning: skipping %zu missing audio files: %s\n", missing.size(),
               what.c_str());
  dataset.missing = static_cast<int64_t>(missing.size());
  return dataset;
}

}  // namespace antispoof::data
