#include "antispoof/metrics/text_lines.h"

#include "antispoof/common/strings.h"

namespace antispoof::metrics {

void ForEachFieldLine(std::string_view text,
                      const std::function<void(long, const std::vector<std::string>&)>& on_line) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (StartsWith(text, kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  long line_number = 0;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    ++line_number;
    std::string_view line = text.substr(begin, end - begin);
    // A BOM inside the text (files joined with `cat`) separates fields like a space: no id holds one.
    std::string spaced;
    if (line.find(kUtf8Bom) != std::string_view::npos) {
      spaced = std::string(line);
      for (size_t at; (at = spaced.find(kUtf8Bom)) != std::string::npos;) spaced.replace(at, kUtf8Bom.size(), " ");
      line = spaced;
    }
    std::vector<std::string> fields = SplitWhitespace(line);
    if (!fields.empty()) on_line(line_number, fields);
    begin = end + 1;
  }
}

std::string JoinFirst(const std::vector<std::string>& items, size_t limit) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > limit) out += Format(" (and %zu more)", items.size() - limit);
  return out;
}

}  // namespace antispoof::metrics
