#include "antispoof/corpus/sources.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/corpus/tools.h"

namespace antispoof::corpus {
namespace fs = std::filesystem;

namespace {

struct AsteriskVoice {
  std::string lang, voice, speaker;
};
const AsteriskVoice kAsterisk[] = {{"en", "en_US_f_Allison", "allison"},
                                   {"es", "es_MX_f_Allison", "allison"},
                                   {"fr", "fr_CA_f_June", "june"},
                                   {"it", "it_IT_m_Carlo", "carlo"}};

std::map<std::string, std::string> ReadTranscripts(const std::string& cache, const std::string& lang) {
  std::string root = FetchPackage(cache, "asterisk-core-sounds-" + lang);
  std::string gz = root + "/usr/share/doc/asterisk-core-sounds-" + lang + "/core-sounds-" + lang + ".txt.gz";
  if (!FileExists(gz)) Fail("corpus: transcript file missing in the package: " + gz);
  std::string txt = root + "/core-sounds-" + lang + ".txt";
  if (!FileExists(txt)) RunOrFail("gunzip", "gzip -dc " + ShellQuote(gz) + " > " + ShellQuote(txt), root);
  std::map<std::string, std::string> out;
  std::string data = ReadFile(txt);
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    std::string line = Trim(data.substr(start, end - start));
    start = end + 1;
    if (StartsWith(line, "\xEF\xBB\xBF")) line = line.substr(3);
    if (line.empty() || line[0] == ';') continue;
    size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string key = Trim(line.substr(0, colon)), text = Trim(line.substr(colon + 2));
    // Bracketed notes ("[pause]") are not spoken.
    text = std::regex_replace(text, std::regex("\\[[^\\]]*\\]|\\([^)]*\\)"), " ");
    text = Trim(text);
    if (!key.empty() && !text.empty() && key.find(' ') == std::string::npos) out[key] = text;
  }
  return out;
}

std::string UnescapeLua(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out += (c == 'n' || c == 't') ? ' ' : c;
    } else {
      out += s[i];
    }
  }
  return Trim(out);
}

}  // namespace

const std::vector<SpeakerInfo>& Speakers() {
  static const std::vector<SpeakerInfo> speakers = {{"allison", "LA_0101"},
                                                     {"fish_small", "LA_0102"},
                                                     {"carlo", "LA_0103"},
                                                     {"june", "LA_0104"},
                                                     {"fish_big", "LA_0105"}};
  return speakers;
}

std::string SplitOfSource(const std::string& item, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : "split|" + item) h = (h ^ c) * 1099511628211ULL;
  h ^= h >> 29;
  switch ((h * 0x9e3779b97f4a7c15ULL) >> 61) {  // 8 buckets: 3 train, 2 dev, 3 eval
    case 0: case 1: case 2: return "train";
    case 3: case 4: return "dev";
    default: return "eval";
  }
}

std::vector<std::string> SourcePackages() {
  std::vector<std::string> p;
  for (const auto& v : kAsterisk) {
    p.push_back("asterisk-core-sounds-" + v.lang);
    p.push_back("asterisk-core-sounds-" + v.lang + "-g722");
  }
  p.push_back("fillets-ng-data");
  p.push_back("fillets-ng-data-nl");
  return p;
}

std::vector<SourceItem> ListSources(const std::string& cache) {
  std::vector<SourceItem> items;
  auto english = ReadTranscripts(cache, "en");
  for (const auto& v : kAsterisk) {
    auto texts = v.lang == "en" ? english : ReadTranscripts(cache, v.lang);
    std::string root = FetchPackage(cache, "asterisk-core-sounds-" + v.lang + "-g722");
    std::string dir = root + "/usr/share/asterisk/sounds/" + v.voice + "/";
    for (const auto& [key, text] : texts) {
      std::string path = dir + key + ".g722";
      std::error_code ec;
      auto size = fs::file_size(path, ec);
      if (ec) continue;
      SourceItem s;
      s.speaker = v.speaker;
      s.language = v.lang;
      s.item = "asterisk-" + v.lang + ":" + key;
      s.path = path;
      s.text = text;
      auto en = english.find(key);
      s.text_en = en != english.end() ? en->second : text;
      s.est_seconds = size / 8000.0;  // G.722 is 64 kbit/s
      items.push_back(std::move(s));
    }
  }
  std::string data = FetchPackage(cache, "fillets-ng-data") + "/usr/share/games/fillets-ng";
  std::string voices = FetchPackage(cache, "fillets-ng-data-nl") + "/usr/share/games/fillets-ng";
  std::vector<std::string> scripts;
  for (const auto& e : fs::directory_iterator(data + "/script")) {
    std::string f = e.path().string() + "/dialogs_nl.lua";
    if (FileExists(f)) scripts.push_back(f);
  }
  std::sort(scripts.begin(), scripts.end());
  const std::regex dialog(
      "dialogId\\(\\s*\"([^\"]+)\"\\s*,\\s*\"?([A-Za-z_]+)\"?\\s*,\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)\\s*"
      "dialogStr\\(\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)");
  for (const auto& f : scripts) {
    std::string level = fs::path(f).parent_path().filename().string();
    std::string text = ReadFile(f);
    for (std::sregex_iterator it(text.begin(), text.end(), dialog), end; it != end; ++it) {
      std::string id = (*it)[1], font = (*it)[2];
      std::string speaker = font == "font_small" ? "fish_small" : font == "font_big" ? "fish_big" : "";
      if (speaker.empty()) continue;
      std::string path = voices + "/sound/" + level + "/nl/" + id + ".ogg";
      std::error_code ec;
      auto size = fs::file_size(path, ec);
      if (ec) continue;
      SourceItem s;
      s.speaker = speaker;
      s.language = "nl";
      s.item = "fillets-nl:" + level + "/" + id;
      s.path = path;
      s.text = UnescapeLua((*it)[4]);
      s.text_en = UnescapeLua((*it)[3]);
      s.est_seconds = size / 8300.0;  // ~66 kbit/s Vorbis
      if (!s.text.empty()) items.push_back(std::move(s));
    }
  }
  return items;
}

}  // namespace antispoof::corpus
