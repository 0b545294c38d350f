// Line-by-line reading of whitespace-separated text files (score files, protocols).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace antispoof {

// Calls `on_line(line_number, line)` for every line, empty ones included, without its '\n'
// (line numbers are 1-based).
void ForEachLine(std::string_view text, const std::function<void(long, std::string_view)>& on_line);

// Calls `on_line(line_number, fields)` for every line that has at least one field. Line numbers
// are 1-based and count empty lines too. A UTF-8 BOM anywhere (files joined with `cat`) separates
// fields like a space; CRLF endings and trailing spaces are accepted.
void ForEachFieldLine(std::string_view text,
                      const std::function<void(long, const std::vector<std::string>&)>& on_line);

// "a, b, c" of the first `limit` items, then " (and N more)".
std::string JoinFirst(const std::vector<std::string>& items, size_t limit = 5);

}  // namespace antispoof
