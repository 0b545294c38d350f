#include "antispoof/common/strings.h"

#include <cctype>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <locale>
#include <sstream>

namespace antispoof {

std::vector<std::string> SplitFields(std::string_view line) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  // Length of the separator at i (whitespace byte or BOM), 0 inside a field.
  auto separator = [&](size_t i) -> size_t {
    if (std::isspace(static_cast<unsigned char>(line[i]))) return 1;
    return line.substr(i, kUtf8Bom.size()) == kUtf8Bom ? kUtf8Bom.size() : 0;
  };
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    for (size_t n; i < line.size() && (n = separator(i)) > 0;) i += n;
    size_t j = i;
    while (j < line.size() && separator(j) == 0) ++j;
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::istringstream in{std::string(s)};
  in.imbue(std::locale::classic());
  double v;
  in >> v;
  if (in.fail()) {
    // istream rejects nan/inf spellings; accept them so callers can report "not finite".
    std::string low = ToLower(s);
    if (low == "nan" || low == "+nan" || low == "-nan") return std::nan("");
    if (low == "inf" || low == "+inf" || low == "infinity") return HUGE_VAL;
    if (low == "-inf" || low == "-infinity") return -HUGE_VAL;
    return std::nullopt;
  }
  in.peek();
  if (!in.eof()) return std::nullopt;
  return v;
}

std::string ShortestDouble(double value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::optional<long long> ParseInt(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string str(s);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(str.c_str(), &end, 10);
  if (errno != 0 || end != str.c_str() + str.size()) return std::nullopt;
  return v;
}

std::string Format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out(n > 0 ? n : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), n + 1, fmt, args);
  va_end(args);
  return out;
}

}  // namespace antispoof
