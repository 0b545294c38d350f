// Read-only view of a zip archive held in memory, limited to what torch.save writes: stored
// (uncompressed), unencrypted entries, with or without zip64 records.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace antispoof::pth {

uint32_t Crc32(std::string_view bytes);

class ZipArchive {
 public:
  // Checks the whole central directory, every local header, data range and CRC-32. Error (without
  // the file name) describing the first problem.
  explicit ZipArchive(std::string_view bytes);

  // Entry data, or nullopt when there is no such entry.
  std::optional<std::string_view> Find(const std::string& name) const;
  // Entry names in name order with their data.
  const std::map<std::string, std::string_view>& entries() const { return entries_; }

 private:
  std::map<std::string, std::string_view> entries_;
};

}  // namespace antispoof::pth
