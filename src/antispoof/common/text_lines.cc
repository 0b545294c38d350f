#include "antispoof/common/text_lines.h"

#include "antispoof/common/strings.h"

namespace antispoof {

void ForEachLine(std::string_view text, const std::function<void(long, std::string_view)>& on_line) {
  long line_number = 0;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    on_line(++line_number, text.substr(begin, end - begin));
    begin = end + 1;
  }
}

void ForEachFieldLine(std::string_view text,
                      const std::function<void(long, const std::vector<std::string>&)>& on_line) {
  ForEachLine(text, [&](long line_number, std::string_view line) {
    std::vector<std::string> fields = SplitFields(line);
    if (!fields.empty()) on_line(line_number, fields);
  });
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

}  // namespace antispoof
