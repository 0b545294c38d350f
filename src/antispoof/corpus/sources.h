// Bona fide sources: Asterisk core sounds (en/es/fr/it, G.722) and Fish Fillets NG Dutch voices.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace antispoof::corpus {

struct SourceItem {
  std::string speaker;   // internal voice name, e.g. "allison"
  std::string language;  // en, es, fr, it, nl
  std::string item;      // package-relative id, e.g. "asterisk-es:agent-pass"
  std::string path;      // audio file
  std::string text;      // transcript in `language`
  std::string text_en;   // English version (same prompt or dialog line) for English-only synthesisers
  double est_seconds = 0;
};

// The voices. Five voices cannot make a speaker-disjoint corpus that generalises, so every voice
// speaks in every split; a source recording belongs to exactly one split (SplitOfSource).
struct SpeakerInfo {
  std::string name;
  std::string id;  // LA-style speaker id
};
const std::vector<SpeakerInfo>& Speakers();

// train, dev or eval for a source item id: a seeded hash, 3/8, 2/8 and 3/8 of the items.
std::string SplitOfSource(const std::string& item, uint64_t seed);

// Debian packages the sources come from.
std::vector<std::string> SourcePackages();

// Fetches the packages into `cache` and lists every item with a transcript and audio.
std::vector<SourceItem> ListSources(const std::string& cache);

}  // namespace antispoof::corpus
