#include "antispoof/train/run_files.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/model/runtime.h"

namespace antispoof::train {

void AppendCsvRow(const std::string& path, const std::string& header, const std::string& row) {
  const bool fresh = !FileExists(path);
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) FailAt(path, 0, "cannot open for appending");
  if (fresh) std::fprintf(f, "%s\n", header.c_str());
  std::fprintf(f, "%s\n", row.c_str());
  if (std::fflush(f) != 0 || std::ferror(f)) {
    std::fclose(f);
    FailAt(path, 0, "write failed (disk full?)");
  }
  std::fclose(f);
}

namespace {

// Keeps the header and the rows whose integer in column `column` (0-based) is <= max_value; rows
// without that column, or with a non-integer there, are dropped.
void TruncateCsvByColumn(const std::string& path, size_t column, int64_t max_value) {
  if (!FileExists(path)) return;
  std::istringstream in(ReadFile(path));
  std::string line, out;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      out += line + "\n";
      header = false;
      continue;
    }
    size_t start = 0;
    for (size_t c = 0; c < column && start != std::string::npos; ++c) {
      start = line.find(',', start);
      if (start != std::string::npos) ++start;
    }
    if (start == std::string::npos) continue;
    const size_t end = line.find(',', start);
    auto value = ParseInt(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (value && *value <= max_value) out += line + "\n";
  }
  WriteFileAtomic(path, out);
}

}  // namespace

void TruncateCsvToEpoch(const std::string& path, int max_epoch) { TruncateCsvByColumn(path, 0, max_epoch); }

void TruncateCsvToIteration(const std::string& path, int64_t max_iteration) {
  TruncateCsvByColumn(path, 1, max_iteration);
}

void WriteJson(const std::string& path, const nlohmann::json& value) {
  WriteFileAtomic(path, value.dump(2) + "\n");
}

nlohmann::json ReadJson(const std::string& path) {
  try {
    return nlohmann::json::parse(ReadFile(path));
  } catch (const nlohmann::json::exception& e) {
    FailAt(path, 0, std::string("not valid JSON: ") + e.what());
  }
}

nlohmann::json Versions() {
  return {{"antispoof", Version()},
          {"libtorch", model::LibTorchVersion()},
          {"compiler", std::string(__VERSION__)}};
}

}  // namespace antispoof::train
