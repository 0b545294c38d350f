// antispoof protocol: counts per key and per attack of a CM protocol, and which audio files exist.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/data/layout.h"
#include "antispoof/data/protocol.h"
#include "command.h"

namespace {

struct ProtocolArgs {
  std::string protocol;
  std::string data_root;
  std::string split;
  std::string layout = "auto";
  std::string write;
  size_t max_listed = 5;
};

int RunProtocol(const ProtocolArgs& args) {
  using namespace antispoof;
  using namespace antispoof::data;
  std::optional<Split> split;
  if (!args.split.empty()) split = ParseSplit(args.split);
  DatasetLayout layout = ParseLayout(args.layout);
  std::string path = args.protocol;
  if (path.empty() && !args.data_root.empty() && split) {
    path = FindProtocol(args.data_root, *split);
  } else if (path.empty() && !args.data_root.empty()) {
    if (layout == DatasetLayout::kAuto) layout = DetectLayout(args.data_root);
    if (layout != DatasetLayout::kFolder) path = DefaultLayoutProtocol(layout, args.data_root);
  } else if (path.empty()) {
    Fail("give --protocol, or --data-root (with --split for the ASVspoof 2019 layout)");
  }
  if (!args.data_root.empty() && layout == DatasetLayout::kAuto) layout = DetectLayout(args.data_root, path);
  Protocol protocol = path.empty() ? FolderProtocol(args.data_root) : ReadProtocol(path);
  std::printf("protocol %s: %s\n", protocol.path.c_str(),
              path.empty() ? "bonafide/ and spoof/ subfolders" : FormatName(protocol.format).c_str());
  std::fputs(FormatSummary(Summarize(protocol)).c_str(), stdout);
  if (!args.write.empty()) {
    if (!protocol.has_keys) Fail(protocol.path + ": has no bonafide/spoof keys to write (a trial list)");
    std::string text;
    for (const auto& e : protocol.entries) {
      text += (e.speaker.empty() ? std::string("-") : e.speaker) + " " + e.utt + " - " + e.attack + " " +
              (e.label == kBonafide ? "bonafide" : "spoof") + "\n";
    }
    WriteFileAtomic(args.write, text);
    std::printf("wrote %s (SPEAKER UTT - ATTACK KEY, %zu lines)\n", args.write.c_str(), protocol.entries.size());
  }
  if (args.data_root.empty()) return 0;
  AudioLocator locator(args.data_root, split, layout);
  std::vector<std::string> missing;
  const ProtocolEntry* first_missing = nullptr;
  for (const auto& e : protocol.entries) {
    if (locator.FindEntry(e)) continue;
    if (!first_missing) first_missing = &e;
    missing.push_back(e.utt);
  }
  const std::string where = layout == DatasetLayout::kAuto || layout == DatasetLayout::kLa2019
                                ? (locator.official_layout() ? "ASVspoof layout" : "flat folder")
                                : "layout " + LayoutName(layout);
  std::printf("audio under %s (%s): %zu found, %zu missing\n", args.data_root.c_str(), where.c_str(),
              protocol.entries.size() - missing.size(), missing.size());
  if (!missing.empty()) {
    std::string listed;
    for (size_t i = 0; i < missing.size() && i < args.max_listed; ++i) {
      listed += (i ? ", " : "") + missing[i];
    }
    if (missing.size() > args.max_listed) listed += ", ...";
    std::printf("missing: %s (expected e.g. %s)\n", listed.c_str(),
                locator.ExpectedEntryPath(*first_missing).c_str());
  }
  return 0;
}

antispoof::cli::Registration reg{
    {"protocol", "Summarise a CM protocol (counts per key and attack) and check its audio files",
     [](CLI::App& sub) {
       auto args = std::make_shared<ProtocolArgs>();
       sub.add_option("--protocol", args->protocol,
                      "Protocol file (5-column CM, 4/3-column variant, 2021 trial list or keys, ASVspoof 5 .tsv, In-the-Wild meta.csv)");
       sub.add_option("--data-root", args->data_root,
                      "LA folder, its parent, or a flat folder of <utt>.flac|.wav files");
       sub.add_option("--split", args->split, "train, dev or eval (ASVspoof layout)")
           ->check(CLI::IsMember({"train", "dev", "eval"}));
       sub.add_option("--layout", args->layout,
                      "Dataset layout: auto (default), la2019, la2021, df2021, asvspoof5, itw or folder");
       sub.add_option("--write", args->write,
                      "Also write the keys as an official 5-column CM protocol (SPEAKER UTT - ATTACK KEY), e.g. "
                      "for `antispoof metrics --protocol` on a folder layout");
       sub.add_option("--max-listed", args->max_listed, "Missing names to list");
       return [args] { return RunProtocol(*args); };
     },
     40}};

}  // namespace
