#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace antispoof {

// The fields of a text line: split on runs of ASCII whitespace (space, tab, CR) and UTF-8 byte-order
// marks (a file's leading BOM, or one inside text joined with `cat`: no field holds one); no empty fields.
std::vector<std::string> SplitFields(std::string_view line);
std::string Trim(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::string ToLower(std::string_view s);
// Full-string parses (no trailing junk); nullopt on failure. Locale independent.
std::optional<double> ParseDouble(std::string_view s);
// The shortest spelling that reads back as exactly `value` (std::to_chars: "5e-04" for 0.0005, not
// "0.00050000000000000001"; "0.001"; "32").
std::string ShortestDouble(double value);
std::optional<long long> ParseInt(std::string_view s);
// printf-style formatting into a std::string.
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace antispoof
