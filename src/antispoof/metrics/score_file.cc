#include "antispoof/metrics/score_file.h"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/common/text_lines.h"
#include "antispoof/metrics/asvspoof5_files.h"

namespace antispoof::metrics {
namespace {

size_t ColumnCount(ScoreFileFormat format) {
  switch (format) {
    case ScoreFileFormat::kTwoColumn:
    case ScoreFileFormat::kAsvspoof5:
      return 2;
    case ScoreFileFormat::kFourColumn:
      return 4;
    case ScoreFileFormat::kSixColumn:
      return 6;
  }
  return 0;
}

}  // namespace

TrialKey ParseTrialKeyField(const std::string& field, const std::string& path, long line) {
  if (field == "bonafide") return TrialKey::kBonafide;
  if (field == "spoof") return TrialKey::kSpoof;
  FailAt(path, line, "key '" + field + "' is neither 'bonafide' nor 'spoof'");
}

double ParseScoreField(const std::string& field, const std::string& path, long line) {
  std::optional<double> value = ParseDouble(field);
  if (!value) FailAt(path, line, "score '" + field + "' is not a number");
  if (!std::isfinite(*value)) FailAt(path, line, "score '" + field + "' is not finite");
  return *value;
}

ScoresByKey SplitByKey(const std::vector<ScoreRecord>& records, const std::string& source) {
  ScoresByKey out;
  for (const ScoreRecord& r : records) {
    if (r.key == TrialKey::kUnknown) Fail(source + ": utterance '" + r.utterance + "' has no bonafide/spoof key");
    (r.key == TrialKey::kBonafide ? out.bonafide : out.spoof).push_back(r.score);
  }
  return out;
}

const char* TrialKeyName(TrialKey key) {
  switch (key) {
    case TrialKey::kBonafide:
      return "bonafide";
    case TrialKey::kSpoof:
      return "spoof";
    case TrialKey::kUnknown:
      break;
  }
  return "unknown";
}

ScoreFile ParseScoreFile(std::string_view text, const std::string& path) {
  if (HasAsvspoof5ScoreHeader(text)) return ParseAsvspoof5ScoreFile(text, path);
  ScoreFile file;
  file.path = path;
  size_t columns = 0;
  std::unordered_map<std::string, long> line_of_utterance;
  ForEachFieldLine(text, [&](long line, const std::vector<std::string>& fields) {
    if (columns == 0) {
      columns = fields.size();
      if (columns == 2) {
        file.format = ScoreFileFormat::kTwoColumn;
      } else if (columns == 4) {
        file.format = ScoreFileFormat::kFourColumn;
      } else if (columns == 6) {
        file.format = ScoreFileFormat::kSixColumn;
      } else {
        FailAt(path, line,
               Format("%zu columns; a score file has 2 (UTT SCORE), 4 (UTT ATTACK KEY SCORE) or 6 "
                      "(SPEAKER UTT - ATTACK KEY SCORE), or starts with an ASVspoof 5 header "
                      "line (filename cm-score)",
                      columns));
      }
    } else if (fields.size() != columns) {
      FailAt(path, line,
             Format("%zu columns, but the file's first line has %zu", fields.size(), columns));
    }
    ScoreRecord record;
    if (columns == 2) {
      record.utterance = fields[0];
    } else if (columns == 4) {
      record.utterance = fields[0];
      record.attack = fields[1];
      record.key = ParseTrialKeyField(fields[2], path, line);
    } else {
      record.speaker = fields[0];
      record.utterance = fields[1];
      record.attack = fields[3];
      record.key = ParseTrialKeyField(fields[4], path, line);
    }
    record.score = ParseScoreField(fields.back(), path, line);
    auto [it, inserted] = line_of_utterance.emplace(record.utterance, line);
    if (!inserted) {
      FailAt(path, line,
             Format("duplicate utterance '%s' (first on line %ld)", record.utterance.c_str(),
                    it->second));
    }
    file.records.push_back(std::move(record));
  });
  if (file.records.empty()) Fail(Located(path, 0, "no scores (the file is empty)"));
  return file;
}

ScoreFile ReadScoreFile(const std::string& path) { return ParseScoreFile(ReadFile(path), path); }

std::string FormatScoreFile(const std::vector<ScoreRecord>& records, ScoreFileFormat format) {
  std::string out;
  out.reserve(records.size() * 48);
  if (format == ScoreFileFormat::kAsvspoof5) out += "filename\tcm-score\n";
  for (const ScoreRecord& record : records) {
    const bool needs_key =
        format != ScoreFileFormat::kTwoColumn && format != ScoreFileFormat::kAsvspoof5;
    if (needs_key && record.key == TrialKey::kUnknown) {
      Fail(Format("cannot write utterance '%s' in the %zu-column form: its key is unknown",
                  record.utterance.c_str(), ColumnCount(format)));
    }
    if (format == ScoreFileFormat::kSixColumn) {
      out += record.speaker + ' ' + record.utterance + " - " + record.attack + ' ' +
             TrialKeyName(record.key) + ' ';
    } else if (format == ScoreFileFormat::kFourColumn) {
      out += record.utterance + ' ' + record.attack + ' ' + TrialKeyName(record.key) + ' ';
    } else if (format == ScoreFileFormat::kAsvspoof5) {
      out += record.utterance + '\t';
    } else {
      out += record.utterance + ' ';
    }
    out += ShortestDouble(record.score);
    out += '\n';
  }
  return out;
}

void WriteScoreFile(const std::string& path, const std::vector<ScoreRecord>& records,
                    ScoreFileFormat format) {
  WriteFileAtomic(path, FormatScoreFile(records, format));
}

void JoinKeys(ScoreFile& scores, const std::vector<UtteranceKey>& keys,
              const std::string& keys_kind, const std::string& keys_path) {
  std::unordered_map<std::string, const UtteranceKey*> by_utterance;
  by_utterance.reserve(keys.size());
  for (const UtteranceKey& key : keys) by_utterance.emplace(key.utterance, &key);

  std::vector<std::string> not_in_keys;
  std::unordered_set<std::string> scored;
  scored.reserve(scores.records.size());
  for (ScoreRecord& record : scores.records) {
    scored.insert(record.utterance);
    auto it = by_utterance.find(record.utterance);
    if (it == by_utterance.end()) {
      not_in_keys.push_back(record.utterance);
      continue;
    }
    record.attack = it->second->attack;
    record.key = it->second->key;
    record.speaker = it->second->speaker.empty() ? "-" : it->second->speaker;
  }
  if (!not_in_keys.empty()) {
    Fail(Format("%zu utterances of %s are not in the %s %s: %s", not_in_keys.size(),
                scores.path.c_str(), keys_kind.c_str(), keys_path.c_str(),
                JoinFirst(not_in_keys).c_str()));
  }
  std::vector<std::string> not_scored;
  for (const UtteranceKey& key : keys) {
    if (!scored.count(key.utterance)) not_scored.push_back(key.utterance);
  }
  if (!not_scored.empty()) {
    Fail(Format("%zu utterances of the %s %s have no score in %s: %s", not_scored.size(),
                keys_kind.c_str(), keys_path.c_str(), scores.path.c_str(),
                JoinFirst(not_scored).c_str()));
  }
  scores.format = ScoreFileFormat::kFourColumn;
}

void JoinProtocolKeys(ScoreFile& scores, const data::Protocol& protocol) {
  if (!protocol.has_keys) {
    Fail(protocol.path + ": the protocol has no bonafide/spoof keys (" +
         data::FormatName(protocol.format) + "): joining keys to " + scores.path +
         " needs a CM key protocol");
  }
  std::vector<UtteranceKey> keys;
  keys.reserve(protocol.entries.size());
  for (const data::ProtocolEntry& entry : protocol.entries) {
    UtteranceKey key;
    key.utterance = entry.utt;
    key.attack = entry.attack;
    key.key = entry.label;
    key.speaker = entry.speaker.empty() ? "-" : entry.speaker;
    keys.push_back(std::move(key));
  }
  JoinKeys(scores, keys, "protocol", protocol.path);
}

}  // namespace antispoof::metrics
