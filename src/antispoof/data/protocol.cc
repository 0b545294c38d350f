#include "antispoof/data/protocol.h"

#include <unordered_map>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/path_component.h"
#include "antispoof/common/strings.h"
#include "antispoof/common/text_lines.h"

namespace antispoof::data {

std::string FormatName(ProtocolFormat format) {
  switch (format) {
    case ProtocolFormat::kAuto: return "auto";
    case ProtocolFormat::kCm5: return "5 columns (SPEAKER UTT - ATTACK KEY)";
    case ProtocolFormat::kCm4: return "4 columns (SPEAKER UTT ATTACK KEY)";
    case ProtocolFormat::kCm3: return "3 columns (UTT ATTACK KEY)";
    case ProtocolFormat::kTrialList: return "1 column (UTT, trial list without keys)";
  }
  return "?";
}

namespace {

size_t ColumnCount(ProtocolFormat format) {
  switch (format) {
    case ProtocolFormat::kCm5: return 5;
    case ProtocolFormat::kCm4: return 4;
    case ProtocolFormat::kCm3: return 3;
    case ProtocolFormat::kTrialList: return 1;
    case ProtocolFormat::kAuto: break;
  }
  return 0;
}

TrialKey ParseKey(const std::string& key, const std::string& path, long line) {
  if (key == "bonafide") return kBonafide;
  if (key == "spoof") return kSpoof;
  FailAt(path, line, "unknown key '" + key + "': expected bonafide or spoof");
}

}  // namespace

Protocol ParseProtocol(std::string_view text, const std::string& path, ProtocolFormat format) {
  Protocol protocol;
  protocol.path = path;
  protocol.format = format;
  std::unordered_map<std::string, long> seen;
  ForEachFieldLine(text, [&](long line_no, const std::vector<std::string>& f) {
    if (protocol.format == ProtocolFormat::kAuto) {
      switch (f.size()) {
        case 5: protocol.format = ProtocolFormat::kCm5; break;
        case 4: protocol.format = ProtocolFormat::kCm4; break;
        case 3: protocol.format = ProtocolFormat::kCm3; break;
        case 1: protocol.format = ProtocolFormat::kTrialList; break;
        default:
          FailAt(path, line_no,
                 Format("%zu columns: expected a protocol line of 5 columns (SPEAKER UTT - ATTACK "
                        "KEY), 4 (SPEAKER UTT ATTACK KEY), 3 (UTT ATTACK KEY) or 1 (UTT)",
                        f.size()));
      }
    }
    const size_t expected = ColumnCount(protocol.format);
    if (f.size() != expected) {
      FailAt(path, line_no,
             Format("%zu columns, expected %s like the lines above", f.size(),
                    FormatName(protocol.format).c_str()));
    }
    ProtocolEntry e;
    e.line = line_no;
    switch (protocol.format) {
      case ProtocolFormat::kCm5:
        e.speaker = f[0];
        e.utt = f[1];
        e.attack = f[3];
        e.label = ParseKey(f[4], path, line_no);
        break;
      case ProtocolFormat::kCm4:
        if (f[0] != "flac") e.speaker = f[0];
        e.utt = f[1];
        e.attack = f[2];
        e.label = ParseKey(f[3], path, line_no);
        break;
      case ProtocolFormat::kCm3:
        e.utt = f[0];
        e.attack = f[1];
        e.label = ParseKey(f[2], path, line_no);
        break;
      default:
        e.utt = f[0];
        e.attack = "-";
        break;
    }
    // The id becomes a file name under the split's audio folder (data::AudioLocator).
    if (const std::string bad = PathComponentError(e.utt); !bad.empty())
      FailAt(path, line_no, "utterance id '" + e.utt + "' " + bad + ": an id must be a file name without a folder");
    auto [it, inserted] = seen.emplace(e.utt, line_no);
    if (!inserted) {
      FailAt(path, line_no,
             Format("duplicate utterance %s (first on line %ld)", e.utt.c_str(), it->second));
    }
    protocol.entries.push_back(std::move(e));
  });
  if (protocol.entries.empty()) FailAt(path, 0, "protocol has no entries");
  protocol.has_keys = protocol.format != ProtocolFormat::kTrialList;
  return protocol;
}

Protocol ReadProtocol(const std::string& path, ProtocolFormat format) {
  return ParseProtocol(ReadFile(path), path, format);
}

ProtocolSummary Summarize(const Protocol& protocol) {
  ProtocolSummary s;
  for (const auto& e : protocol.entries) {
    ++s.total;
    if (e.label == kBonafide) ++s.bonafide;
    else if (e.label == kSpoof) ++s.spoof;
    else ++s.unlabelled;
    ++s.per_attack[e.attack];
  }
  return s;
}

std::string FormatSummary(const ProtocolSummary& s) {
  std::string out = Format("utterances %lld: bonafide %lld, spoof %lld", (long long)s.total,
                           (long long)s.bonafide, (long long)s.spoof);
  if (s.unlabelled > 0) out += Format(", without key %lld", (long long)s.unlabelled);
  out += "\n";
  if (s.unlabelled == s.total) return out;
  out += "per attack:\n";
  for (const auto& [attack, count] : s.per_attack) {
    out += Format("  %-8s %lld\n", attack.c_str(), (long long)count);
  }
  return out;
}

}  // namespace antispoof::data
