#include "antispoof/corpus/holdout.h"

#include <cctype>
#include <filesystem>
#include <set>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/common/text_lines.h"
#include "antispoof/corpus/corpus.h"

namespace antispoof::corpus {
namespace {

namespace fs = std::filesystem;

const char* const kKeys[] = {"language", "speaker", "attack"};
const char* const kSplits[] = {"train", "dev", "eval"};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields(1);
  for (char c : line) {
    if (c == '\t') fields.emplace_back();
    else fields.back() += c;
  }
  return fields;
}

struct MetaRow {
  std::string utt, split, speaker, attack, value;  // value: of the held-out key
  long line = 0;
};

// The rows of corpus_metadata.tsv (tab-separated, a header naming the columns).
std::vector<MetaRow> ReadMetadata(const std::string& path, const std::string& key) {
  const std::string text = ReadFile(path);
  std::vector<MetaRow> rows;
  std::map<std::string, size_t> col;
  size_t begin = 0;
  long line_no = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Trim(line).empty()) continue;
    std::vector<std::string> f = SplitTabs(line);
    if (col.empty()) {
      for (size_t i = 0; i < f.size(); ++i) col[f[i]] = i;
      for (const std::string& name : {std::string("utterance"), std::string("split"), std::string("speaker"),
                                      std::string("attack"), key}) {
        if (!col.count(name)) FailAt(path, line_no, "the header has no `" + name + "` column");
      }
      continue;
    }
    if (f.size() < col.size()) FailAt(path, line_no, Format("%zu fields, expected %zu like the header", f.size(), col.size()));
    rows.push_back(MetaRow{f[col["utterance"]], f[col["split"]], f[col["speaker"]], f[col["attack"]], f[col[key]], line_no});
  }
  if (rows.empty()) FailAt(path, 0, "no utterances");
  return rows;
}

std::string ProtocolFile(const std::string& split) {
  return std::string("ASVspoof2019.LA.cm.") + split + (split == "train" ? ".trn.txt" : ".trl.txt");
}

std::string SafeValue(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

// A relative symbolic link at `link` to `target` (replacing what is there).
void Link(const fs::path& target, const fs::path& link, bool directory) {
  std::error_code ec;
  fs::remove(link, ec);
  const fs::path relative = fs::relative(target, link.parent_path());
  if (directory) fs::create_directory_symlink(relative, link, ec);
  else fs::create_symlink(relative, link, ec);
  if (ec) Fail(Located(link.string(), 0, "cannot create a link to " + target.string() + ": " + ec.message()));
}

}  // namespace

HoldoutSpec ParseHoldout(const std::string& text) {
  const size_t eq = text.find('=');
  HoldoutSpec spec;
  if (eq != std::string::npos) spec = {text.substr(0, eq), text.substr(eq + 1)};
  bool known = false;
  for (const char* k : kKeys) known = known || spec.key == k;
  if (eq == std::string::npos || spec.value.empty() || !known) {
    Fail("--holdout '" + text + "': expected KEY=VALUE with KEY language, speaker or attack (e.g. language=it)");
  }
  return spec;
}

HoldoutSummary WriteHoldout(const std::string& corpus_root, const HoldoutSpec& spec) {
  const std::string la = corpus_root + "/LA";
  const std::string meta_path = la + "/corpus_metadata.tsv";
  const std::vector<MetaRow> rows = ReadMetadata(meta_path, spec.key);
  std::set<std::string> values;
  for (const MetaRow& r : rows) {
    if (spec.key != "attack" || r.attack != "-") values.insert(r.value);
  }
  if (!values.count(spec.value)) {
    Fail(Located(meta_path, 0, "--holdout " + spec.key + "=" + spec.value + ": no utterance has " + spec.key + " " +
                                   spec.value + "; present: " + JoinFirst(std::vector<std::string>(values.begin(), values.end()), 100)));
  }
  HoldoutSummary summary;
  summary.root = corpus_root + "/holdout_" + spec.key + "_" + SafeValue(spec.value);
  const std::string out_la = summary.root + "/LA";
  std::map<std::string, std::string> protocols;
  std::vector<const MetaRow*> eval_rows;
  for (const MetaRow& r : rows) {
    const bool bona = r.attack == "-";
    const bool held = r.value == spec.value && !(spec.key == "attack" && bona);
    if (r.split == "eval" && r.value != spec.value) {
      protocols["eval_seen"] += ProtocolLine(r.speaker, r.utt, r.attack) + "\n";
      (bona ? summary.eval_seen.bonafide : summary.eval_seen.spoof) += 1;
    }
    std::string split = r.split;
    if (held) split = "eval";
    else if (r.split == "eval" && !(spec.key == "attack" && bona)) continue;  // eval holds the condition only
    protocols[split] += ProtocolLine(r.speaker, r.utt, r.attack) + "\n";
    HoldoutSplitCounts& c = summary.splits[split];
    (bona ? c.bonafide : c.spoof) += 1;
    if (split == "eval") eval_rows.push_back(&r);
  }
  for (const char* split : kSplits) {
    const HoldoutSplitCounts& c = summary.splits[split];
    if (c.bonafide == 0 || c.spoof == 0) {
      Fail(Format("--holdout %s=%s: the %s split would hold %d bona fide and %d spoof utterances; each split needs "
                  "both (choose another value)", spec.key.c_str(), spec.value.c_str(), split, c.bonafide, c.spoof));
    }
  }
  MakeDirs(out_la + "/ASVspoof2019_LA_cm_protocols");
  for (const char* split : kSplits) {
    WriteFileAtomic(out_la + "/ASVspoof2019_LA_cm_protocols/" + ProtocolFile(split), protocols[split]);
  }
  summary.eval_seen_protocol = out_la + "/ASVspoof2019_LA_cm_protocols/" + ProtocolFile("eval_seen");
  WriteFileAtomic(summary.eval_seen_protocol, protocols["eval_seen"]);
  for (const char* split : {"train", "dev"}) {
    Link(fs::path(la) / ("ASVspoof2019_LA_" + std::string(split)), fs::path(out_la) / ("ASVspoof2019_LA_" + std::string(split)), true);
  }
  const fs::path eval_flac = fs::path(out_la) / "ASVspoof2019_LA_eval" / "flac";
  std::error_code ec;
  fs::remove_all(eval_flac, ec);
  MakeDirs(eval_flac.string());
  for (const MetaRow* r : eval_rows) {
    Link(fs::path(la) / ("ASVspoof2019_LA_" + r->split) / "flac" / (r->utt + ".flac"), eval_flac / (r->utt + ".flac"), false);
  }
  std::string note = "held out: " + spec.key + "=" + spec.value + " (from " + corpus_root + ")\n";
  for (const char* split : kSplits) {
    note += Format("%s: %d bona fide, %d spoof\n", split, summary.splits[split].bonafide, summary.splits[split].spoof);
  }
  note += Format("eval_seen (the corpus's eval without the condition; audio under %s): %d bona fide, %d spoof\n",
                 corpus_root.c_str(), summary.eval_seen.bonafide, summary.eval_seen.spoof);
  WriteFileAtomic(summary.root + "/holdout.txt", note);
  return summary;
}

}  // namespace antispoof::corpus
