// Builds the real-speech spoofing corpus in the ASVspoof 2019 LA layout.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace antispoof::corpus {

struct CorpusOptions {
  std::string out;             // corpus root; LA/ is created inside
  std::string size = "default";  // tiny | small | default
  uint64_t seed = 1234;
  int jobs = 2;
  std::string cache;           // package and decoded-source cache ("" = DefaultCacheDir())
  bool quiet = false;
};

struct SplitSize {
  int bonafide = 0;
  int per_attack = 0;  // spoofed utterances per attack
};

struct AttackInfo {
  std::string id;         // A01...
  std::string generator;  // espeak-ng, flite, griffin-lim, ...
  std::string family;     // tts, vocoder, vc
  std::vector<std::string> splits;
};
const std::vector<AttackInfo>& Attacks();

// Sizes of tiny, small, default; Error for another name.
std::map<std::string, SplitSize> SizesFor(const std::string& size);

// One protocol line per utterance of the split, in the official 5-column format.
std::string ProtocolLine(const std::string& speaker, const std::string& utt,
                         const std::string& attack);

struct CorpusSummary {
  int files = 0, reused = 0;
  double seconds = 0;       // wall time
  double audio_hours = 0;
  std::string report_path;  // shortcut report (text)
  bool shortcuts_ok = true;
};

// Builds (or completes) the corpus; Error naming the missing tool or package.
CorpusSummary BuildCorpus(const CorpusOptions& options);

}  // namespace antispoof::corpus
