#include "antispoof/metrics/asv_scores.h"

#include <cmath>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/common/text_lines.h"

namespace antispoof::metrics {

AsvScores ParseAsvScores(std::string_view text, const std::string& path) {
  AsvScores scores;
  ForEachFieldLine(text, [&](long line, const std::vector<std::string>& fields) {
    if (fields.size() != 3) {
      FailAt(path, line,
             Format("%zu columns; an ASV score line is SOURCE KEY SCORE", fields.size()));
    }
    std::optional<double> score = ParseDouble(fields[2]);
    if (!score) FailAt(path, line, "score '" + fields[2] + "' is not a number");
    if (!std::isfinite(*score)) FailAt(path, line, "score '" + fields[2] + "' is not finite");
    const std::string& key = fields[1];
    if (key == "target") {
      scores.target.push_back(*score);
    } else if (key == "nontarget") {
      scores.nontarget.push_back(*score);
    } else if (key == "spoof") {
      scores.spoof.push_back(*score);
      scores.spoof_by_source[fields[0]].push_back(*score);
    } else {
      FailAt(path, line, "key '" + key + "' is not one of target, nontarget, spoof");
    }
  });
  if (scores.target.empty() || scores.nontarget.empty() || scores.spoof.empty()) {
    Fail(Located(path, 0,
                 Format("an ASV score file needs target, nontarget and spoof trials; it has "
                        "%zu, %zu and %zu",
                        scores.target.size(), scores.nontarget.size(), scores.spoof.size())));
  }
  return scores;
}

AsvScores ReadAsvScores(const std::string& path) { return ParseAsvScores(ReadFile(path), path); }

}  // namespace antispoof::metrics
