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

void TruncateCsvToEpoch(const std::string& path, int max_epoch) {
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
    auto comma = line.find(',');
    auto epoch = ParseInt(line.substr(0, comma));
    if (epoch && *epoch <= max_epoch) out += line + "\n";
  }
  WriteFileAtomic(path, out);
}

void TruncateCsvToIteration(const std::string& path, int64_t max_iteration) {
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
    auto first = line.find(',');
    if (first == std::string::npos) continue;
    auto second = line.find(',', first + 1);
    auto iteration = ParseInt(line.substr(first + 1, second == std::string::npos ? std::string::npos
                                                                                 : second - first - 1));
    if (iteration && *iteration <= max_iteration) out += line + "\n";
  }
  WriteFileAtomic(path, out);
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
