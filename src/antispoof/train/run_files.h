// Files of a run directory (docs/run_directory.md): CSV logs, JSON records, versions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace antispoof::train {

// Appends one line (and a newline) and flushes; writes `header` first when the file is new.
void AppendCsvRow(const std::string& path, const std::string& header, const std::string& row);
// Keeps the header and the rows whose first column (the epoch) is <= max_epoch, atomically, so a
// resumed run continues the logs exactly where its checkpoint stands.
void TruncateCsvToEpoch(const std::string& path, int max_epoch);
// Keeps the header and the rows whose second column (the iteration) is <= max_iteration,
// atomically (a resume from a mid-epoch checkpoint).
void TruncateCsvToIteration(const std::string& path, int64_t max_iteration);
void WriteJson(const std::string& path, const nlohmann::json& value);
nlohmann::json ReadJson(const std::string& path);
// {"antispoof", "libtorch", "compiler"}.
nlohmann::json Versions();

}  // namespace antispoof::train
