#include "antispoof/metrics/asvspoof5_files.h"

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <optional>
#include <unordered_map>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/common/text_lines.h"
#include "antispoof/data/protocol.h"

namespace antispoof::metrics {
namespace {

using Fields = std::vector<std::string>;
using Names = std::initializer_list<const char*>;

const Names kTrialColumn = {"filename", "trial_anon"};
const Names kScoreColumn = {"cm-score"};
const Names kLabelColumn = {"cm-label", "cm_label"};
const Names kAttackColumn = {"attack_anon"};

// The fields of the first non-empty line; empty when there is none.
Fields FirstFields(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    Fields fields = SplitFields(text.substr(begin, end - begin));
    if (!fields.empty()) return fields;
    begin = end + 1;
  }
  return {};
}

size_t CountNamed(const Fields& header, Names names) {
  return std::count_if(header.begin(), header.end(), [&](const std::string& field) {
    return std::any_of(names.begin(), names.end(), [&](const char* name) { return field == name; });
  });
}

std::string Spelled(Names names) {
  std::string out;
  for (const char* name : names) out += (out.empty() ? "'" : " or '") + std::string(name) + "'";
  return out;
}

// Position of the one column called one of `names`; nullopt when there is none and it is optional.
std::optional<size_t> FindColumn(const Fields& header, Names names, bool required,
                                 const std::string& path, long line) {
  const size_t count = CountNamed(header, names);
  if (count > 1) FailAt(path, line, "the header names the column " + Spelled(names) + " twice");
  if (count == 0) {
    if (!required) return std::nullopt;
    std::string columns;
    for (const std::string& field : header) columns += (columns.empty() ? "" : " ") + field;
    FailAt(path, line,
           "the header line has no column " + Spelled(names) + " (it reads '" + columns + "')");
  }
  for (size_t i = 0; i < header.size(); ++i) {
    if (CountNamed({header[i]}, names) == 1) return i;
  }
  return std::nullopt;
}

// Reads a table: on_header(line, header fields) once for the first non-empty line, then
// on_row(line, fields) for every further non-empty line, each checked to have the header's count.
void ForEachRow(std::string_view text, const std::string& path,
                const std::function<void(long, const Fields&)>& on_header,
                const std::function<void(long, const Fields&)>& on_row) {
  size_t columns = 0;
  ForEachFieldLine(text, [&](long line, const Fields& fields) {
    if (columns == 0) {
      columns = fields.size();
      on_header(line, fields);
      return;
    }
    if (fields.size() != columns) {
      FailAt(path, line,
             Format("%zu fields, but the header line has %zu columns", fields.size(), columns));
    }
    on_row(line, fields);
  });
}

// Error on a trial id seen before, naming the line it was first on.
void CheckUnique(std::unordered_map<std::string, long>& line_of_trial, const std::string& trial,
                 const std::string& path, long line) {
  auto [it, inserted] = line_of_trial.emplace(trial, line);
  if (!inserted) {
    FailAt(path, line,
           Format("duplicate trial '%s' (first on line %ld)", trial.c_str(), it->second));
  }
}

}  // namespace

bool HasAsvspoof5ScoreHeader(std::string_view text) {
  const Fields first = FirstFields(text);
  return !first.empty() && CountNamed(first, kScoreColumn) > 0 && !ParseDouble(first.back());
}

ScoreFile ParseAsvspoof5ScoreFile(std::string_view text, const std::string& path) {
  ScoreFile file;
  file.path = path;
  file.format = ScoreFileFormat::kAsvspoof5;
  size_t trial_column = 0;
  size_t score_column = 0;
  std::unordered_map<std::string, long> line_of_trial;
  ForEachRow(
      text, path,
      [&](long line, const Fields& header) {
        trial_column = *FindColumn(header, kTrialColumn, true, path, line);
        score_column = *FindColumn(header, kScoreColumn, true, path, line);
      },
      [&](long line, const Fields& fields) {
        ScoreRecord record;
        record.utterance = fields[trial_column];
        record.score = ParseScoreField(fields[score_column], path, line);
        CheckUnique(line_of_trial, record.utterance, path, line);
        file.records.push_back(std::move(record));
      });
  if (file.records.empty()) FailAt(path, 0, "no scores (the file has only a header line)");
  return file;
}

bool HasAsvspoof5KeyHeader(std::string_view text) {
  const Fields first = FirstFields(text);
  return CountNamed(first, kTrialColumn) > 0 && CountNamed(first, kLabelColumn) > 0;
}

Asvspoof5Keys ParseAsvspoof5Keys(std::string_view text, const std::string& path) {
  Asvspoof5Keys keys;
  keys.path = path;
  size_t trial_column = 0;
  size_t label_column = 0;
  std::optional<size_t> attack_column;
  std::unordered_map<std::string, long> line_of_trial;
  ForEachRow(
      text, path,
      [&](long line, const Fields& header) {
        trial_column = *FindColumn(header, kTrialColumn, true, path, line);
        label_column = *FindColumn(header, kLabelColumn, true, path, line);
        attack_column = FindColumn(header, kAttackColumn, false, path, line);
      },
      [&](long line, const Fields& fields) {
        UtteranceKey key;
        key.utterance = fields[trial_column];
        key.key = ParseTrialKeyField(fields[label_column], path, line);
        if (attack_column && key.key == TrialKey::kSpoof) key.attack = fields[*attack_column];
        CheckUnique(line_of_trial, key.utterance, path, line);
        keys.entries.push_back(std::move(key));
      });
  if (keys.entries.empty()) {
    FailAt(path, 0, "no trials (the key file is empty or has only a header line)");
  }
  return keys;
}

Asvspoof5Keys ReadAsvspoof5Keys(const std::string& path) {
  return ParseAsvspoof5Keys(ReadFile(path), path);
}

void JoinAsvspoof5Keys(ScoreFile& scores, const Asvspoof5Keys& keys) {
  JoinKeys(scores, keys.entries, "key file", keys.path);
}

void JoinKeyFile(ScoreFile& scores, const std::string& path) {
  const std::string text = ReadFile(path);
  if (HasAsvspoof5KeyHeader(text)) {
    JoinAsvspoof5Keys(scores, ParseAsvspoof5Keys(text, path));
  } else {
    JoinProtocolKeys(scores, data::ParseProtocol(text, path));
  }
}

}  // namespace antispoof::metrics
