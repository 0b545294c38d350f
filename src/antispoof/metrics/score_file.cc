#include "antispoof/metrics/score_file.h"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/common/text_lines.h"

namespace antispoof::metrics {
namespace {

TrialKey ParseTrialKey(const std::string& field, const std::string& path, long line) {
  if (field == "bonafide") return TrialKey::kBonafide;
  if (field == "spoof") return TrialKey::kSpoof;
  FailAt(path, line, "key '" + field + "' is neither 'bonafide' nor 'spoof'");
}

double ParseFiniteScore(const std::string& field, const std::string& path, long line) {
  std::optional<double> value = ParseDouble(field);
  if (!value) FailAt(path, line, "score '" + field + "' is not a number");
  if (!std::isfinite(*value)) FailAt(path, line, "score '" + field + "' is not finite");
  return *value;
}

size_t ColumnCount(ScoreFileFormat format) {
  switch (format) {
    case ScoreFileFormat::kTwoColumn:
      return 2;
    case ScoreFileFormat::kFourColumn:
      return 4;
    case ScoreFileFormat::kSixColumn:
      return 6;
  }
  return 0;
}

}  // namespace

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
                      "(SPEAKER UTT - ATTACK KEY SCORE)",
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
      record.key = ParseTrialKey(fields[2], path, line);
    } else {
      record.speaker = fields[0];
      record.utterance = fields[1];
      record.attack = fields[3];
      record.key = ParseTrialKey(fields[4], path, line);
    }
    record.score = ParseFiniteScore(fields.back(), path, line);
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
  for (const ScoreRecord& record : records) {
    if (format != ScoreFileFormat::kTwoColumn && record.key == TrialKey::kUnknown) {
      Fail(Format("cannot write utterance '%s' in the %zu-column form: its key is unknown",
                  record.utterance.c_str(), ColumnCount(format)));
    }
    if (format == ScoreFileFormat::kSixColumn) {
      out += record.speaker + ' ' + record.utterance + " - " + record.attack + ' ' +
             TrialKeyName(record.key) + ' ';
    } else if (format == ScoreFileFormat::kFourColumn) {
      out += record.utterance + ' ' + record.attack + ' ' + TrialKeyName(record.key) + ' ';
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

void JoinProtocolKeys(ScoreFile& scores, const data::Protocol& protocol) {
  const std::string& protocol_path = protocol.path;
  if (!protocol.has_keys) {
    Fail(protocol_path + ": the protocol has no bonafide/spoof keys (" + data::FormatName(protocol.format) +
         "): joining keys to " + scores.path + " needs a CM key protocol");
  }
  std::unordered_map<std::string, const data::ProtocolEntry*> by_utterance;
  by_utterance.reserve(protocol.entries.size());
  for (const data::ProtocolEntry& entry : protocol.entries) by_utterance.emplace(entry.utt, &entry);

  std::vector<std::string> not_in_protocol;
  std::unordered_set<std::string> scored;
  scored.reserve(scores.records.size());
  for (ScoreRecord& record : scores.records) {
    scored.insert(record.utterance);
    auto it = by_utterance.find(record.utterance);
    if (it == by_utterance.end()) {
      not_in_protocol.push_back(record.utterance);
      continue;
    }
    record.attack = it->second->attack;
    record.key = it->second->label;
    record.speaker = it->second->speaker.empty() ? "-" : it->second->speaker;
  }
  if (!not_in_protocol.empty()) {
    Fail(Format("%zu utterances of %s are not in the protocol %s: %s", not_in_protocol.size(),
                scores.path.c_str(), protocol_path.c_str(), JoinFirst(not_in_protocol).c_str()));
  }
  std::vector<std::string> not_scored;
  for (const data::ProtocolEntry& entry : protocol.entries) {
    if (!scored.count(entry.utt)) not_scored.push_back(entry.utt);
  }
  if (!not_scored.empty()) {
    Fail(Format("%zu utterances of the protocol %s have no score in %s: %s", not_scored.size(),
                protocol_path.c_str(), scores.path.c_str(), JoinFirst(not_scored).c_str()));
  }
  scores.format = ScoreFileFormat::kFourColumn;
}

}  // namespace antispoof::metrics
