#include "antispoof/data/protocol.h"

#include <cctype>
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
    case ProtocolFormat::kLa2021Keys:
      return "ASVspoof 2021 LA keys, 8 columns (SPEAKER UTT CODEC TRANSMISSION ATTACK KEY TRIM SUBSET)";
    case ProtocolFormat::kDf2021Keys:
      return "ASVspoof 2021 DF keys, 13 columns (SPEAKER UTT CODEC SOURCE ATTACK KEY TRIM SUBSET "
             "VOCODER TASK TEAM GENDER-PAIR LANGUAGE)";
    case ProtocolFormat::kAsvspoof5:
      return "ASVspoof 5 protocol, 10 columns (SPEAKER FLAC_FILE GENDER CODEC CODEC_Q CODEC_SEED "
             "ATTACK_TAG ATTACK_LABEL KEY TMP)";
    case ProtocolFormat::kInTheWild: return "In-the-Wild meta.csv (file,speaker,label)";
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
    case ProtocolFormat::kLa2021Keys: return 8;
    case ProtocolFormat::kDf2021Keys: return 13;
    case ProtocolFormat::kAsvspoof5: return 10;
    case ProtocolFormat::kAuto:
    case ProtocolFormat::kInTheWild: break;
  }
  return 0;
}

TrialKey ParseKey(const std::string& key, const std::string& path, long line) {
  if (key == "bonafide") return kBonafide;
  if (key == "spoof") return kSpoof;
  FailAt(path, line, "unknown key '" + key + "': expected bonafide or spoof");
}

ProtocolFormat FormatOfColumns(size_t columns, const std::string& path, long line_no) {
  for (ProtocolFormat f : {ProtocolFormat::kCm5, ProtocolFormat::kCm4, ProtocolFormat::kCm3,
                           ProtocolFormat::kTrialList, ProtocolFormat::kLa2021Keys,
                           ProtocolFormat::kDf2021Keys, ProtocolFormat::kAsvspoof5}) {
    if (ColumnCount(f) == columns) return f;
  }
  FailAt(path, line_no,
         Format("%zu columns: expected a protocol line of 5 columns (SPEAKER UTT - ATTACK KEY), 4 "
                "(SPEAKER UTT ATTACK KEY), 3 (UTT ATTACK KEY), 1 (UTT), 8 (ASVspoof 2021 LA keys), "
                "13 (ASVspoof 2021 DF keys) or 10 (ASVspoof 5 protocol), or a CSV header "
                "file,speaker,label (In-the-Wild meta.csv)",
                columns));
}

// The entry of one whitespace-separated line of a known format (its column count checked).
ProtocolEntry EntryOfFields(ProtocolFormat format, const std::vector<std::string>& f,
                            const std::string& path, long line_no) {
  ProtocolEntry e;
  e.line = line_no;
  switch (format) {
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
    case ProtocolFormat::kLa2021Keys:
    case ProtocolFormat::kDf2021Keys:
    case ProtocolFormat::kAsvspoof5: {
      // SPEAKER UTT ... ATTACK KEY ...: the attack and key columns of the 2021 keys (4, 5) and of
      // ASVspoof 5 (7, 8); a bona fide line's attack column holds a placeholder, shown as "-".
      const bool v5 = format == ProtocolFormat::kAsvspoof5;
      e.speaker = f[0];
      e.utt = f[1];
      e.label = ParseKey(f[v5 ? 8 : 5], path, line_no);
      e.attack = e.label == kBonafide ? "-" : f[v5 ? 7 : 4];
      break;
    }
    default:
      e.utt = f[0];
      e.attack = "-";
      break;
  }
  return e;
}

// The fields of one CSV line: separated by commas, a field may be double-quoted (a doubled quote
// inside stands for one); surrounding spaces, a CR and UTF-8 BOMs are dropped.
std::vector<std::string> SplitCsvLine(std::string_view line, const std::string& path, long line_no) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (line.compare(i, 3, "\xEF\xBB\xBF") == 0) {
      i += 2;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) FailAt(path, line_no, "unterminated double quote");
  for (std::string& f : fields) f = Trim(f);
  return fields;
}

TrialKey ParseItwLabel(const std::string& label, const std::string& path, long line_no) {
  if (label == "bona-fide" || label == "bonafide") return kBonafide;
  if (label == "spoof") return kSpoof;
  FailAt(path, line_no, "unknown label '" + label + "': expected bona-fide or spoof");
}

// In-the-Wild meta.csv: a header naming the columns (file and label required, speaker optional),
// then one line per file; utt = the file name without its extension.
void ParseInTheWild(std::string_view text, Protocol& protocol) {
  const std::string& path = protocol.path;
  int file_col = -1, speaker_col = -1, label_col = -1;
  size_t columns = 0;
  ForEachLine(text, [&](long line_no, std::string_view line) {
    std::vector<std::string> f = SplitCsvLine(line, path, line_no);
    if (f.size() == 1 && f[0].empty()) return;
    if (columns == 0) {  // the header
      columns = f.size();
      for (size_t i = 0; i < f.size(); ++i) {
        const std::string name = ToLower(f[i]);
        if (name == "file") file_col = static_cast<int>(i);
        if (name == "speaker") speaker_col = static_cast<int>(i);
        if (name == "label") label_col = static_cast<int>(i);
      }
      if (file_col < 0 || label_col < 0)
        FailAt(path, line_no, "the CSV header names no `file` or no `label` column (expected file,speaker,label)");
      return;
    }
    if (f.size() != columns)
      FailAt(path, line_no, Format("%zu fields, expected %zu like the header (file,speaker,label)", f.size(), columns));
    ProtocolEntry e;
    e.line = line_no;
    e.file = f[file_col];
    if (e.file.empty()) FailAt(path, line_no, "empty file name");
    const size_t slash = e.file.find_last_of('/');
    const std::string name = slash == std::string::npos ? e.file : e.file.substr(slash + 1);
    const size_t dot = name.find_last_of('.');
    e.utt = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
    if (speaker_col >= 0) {
      e.speaker = f[speaker_col];
      for (char& c : e.speaker) if (c == ' ' || c == '\t') c = '_';
    }
    e.label = ParseItwLabel(f[label_col], path, line_no);
    e.attack = e.label == kBonafide ? "-" : "spoof";
    protocol.entries.push_back(std::move(e));
  });
}

bool HasCsvHeader(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) ||
                             static_cast<unsigned char>(text[i]) >= 0x80)) {
    if (static_cast<unsigned char>(text[i]) >= 0x80 && text.compare(i, 3, "\xEF\xBB\xBF") != 0) return false;
    i += static_cast<unsigned char>(text[i]) >= 0x80 ? 3 : 1;
  }
  return ToLower(std::string(text.substr(i, 5))) == "file,";
}

// Every id is a file name (it becomes one under the split's audio folder, data::AudioLocator) and
// appears once.
void CheckIds(const Protocol& protocol) {
  std::unordered_map<std::string, long> seen;
  for (const ProtocolEntry& e : protocol.entries) {
    if (const std::string bad = PathComponentError(e.utt); !bad.empty())
      FailAt(protocol.path, e.line, "utterance id '" + e.utt + "' " + bad + ": an id must be a file name without a folder");
    auto [it, inserted] = seen.emplace(e.utt, e.line);
    if (!inserted) {
      FailAt(protocol.path, e.line,
             Format("duplicate utterance %s (first on line %ld)", e.utt.c_str(), it->second));
    }
  }
}

}  // namespace

Protocol ParseProtocol(std::string_view text, const std::string& path, ProtocolFormat format) {
  Protocol protocol;
  protocol.path = path;
  protocol.format = format;
  if (format == ProtocolFormat::kInTheWild || (format == ProtocolFormat::kAuto && HasCsvHeader(text))) {
    protocol.format = ProtocolFormat::kInTheWild;
    ParseInTheWild(text, protocol);
  } else {
    ForEachFieldLine(text, [&](long line_no, const std::vector<std::string>& f) {
      if (protocol.format == ProtocolFormat::kAuto) protocol.format = FormatOfColumns(f.size(), path, line_no);
      const size_t expected = ColumnCount(protocol.format);
      if (f.size() != expected) {
        FailAt(path, line_no,
               Format("%zu columns, expected %s like the lines above", f.size(),
                      FormatName(protocol.format).c_str()));
      }
      protocol.entries.push_back(EntryOfFields(protocol.format, f, path, line_no));
    });
  }
  CheckIds(protocol);
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
