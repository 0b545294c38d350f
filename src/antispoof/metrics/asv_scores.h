// Organisers' ASV score files: SOURCE KEY SCORE, KEY one of target / nontarget / spoof, SOURCE the
// attack (A07...) for spoof trials and "bonafide" otherwise. Higher score = more the claimed
// speaker.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace antispoof::metrics {

struct AsvScores {
  std::vector<double> target;
  std::vector<double> nontarget;
  std::vector<double> spoof;                                   // all spoof trials
  std::map<std::string, std::vector<double>> spoof_by_source;  // spoof trials per SOURCE
};

AsvScores ParseAsvScores(std::string_view text, const std::string& path);
// Error when a class is empty (t-DCF needs target, nontarget and spoof trials).
AsvScores ReadAsvScores(const std::string& path);

}  // namespace antispoof::metrics
