// libFuzzer target: the score-file parser (2/4/6-column and ASVspoof 5 forms), the CM protocol and
// ASVspoof 5 key file parsers and their join (metrics::ParseScoreFile, data::ParseProtocol,
// JoinProtocolKeys, metrics::ParseAsvspoof5Keys, JoinAsvspoof5Keys), and the writer's round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "antispoof/data/protocol.h"
#include "antispoof/metrics/asvspoof5_files.h"
#include "antispoof/metrics/score_file.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace m = antispoof::metrics;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  // An optional "\n====\n" separates a score file from a key protocol.
  size_t cut = all.find("\n====\n");
  std::string_view scores = all.substr(0, cut);
  antispoof::fuzz::ExpectOnlyErrors([&] {
    m::ScoreFile file = m::ParseScoreFile(scores, antispoof::fuzz::kName);
    // What the parser accepted must survive the writer and read back identically.
    std::string text = m::FormatScoreFile(file.records, file.format);
    m::ScoreFile again = m::ParseScoreFile(text, antispoof::fuzz::kName);
    if (again.records.size() != file.records.size()) __builtin_trap();
    for (size_t i = 0; i < file.records.size(); ++i) {
      if (again.records[i].utterance != file.records[i].utterance ||
          again.records[i].score != file.records[i].score)
        __builtin_trap();
    }
    if (cut != std::string_view::npos) {
      std::string_view keys = all.substr(cut + 6);
      if (m::HasAsvspoof5KeyHeader(keys)) {
        m::JoinAsvspoof5Keys(file, m::ParseAsvspoof5Keys(keys, antispoof::fuzz::kName));
      } else {
        m::JoinProtocolKeys(file, antispoof::data::ParseProtocol(keys, antispoof::fuzz::kName));
      }
    }
  });
  return 0;
}
