// libFuzzer target: the score-file parser, the CM protocol parser and their join
// (metrics::ParseScoreFile, data::ParseProtocol, JoinProtocolKeys), and the writer's round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "antispoof/data/protocol.h"
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
      m::JoinProtocolKeys(file, antispoof::data::ParseProtocol(all.substr(cut + 6), antispoof::fuzz::kName));
    }
  });
  return 0;
}
