// A per-process folder for the audio files a benchmark generates; removed when the process exits.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>

namespace antispoof::bench {

// <temp>/antispoof_<tag>_<pid>, created on the first call for `tag`; the same path afterwards.
inline const std::filesystem::path& TempAudioDir(const std::string& tag) {
  struct Owned {
    std::filesystem::path dir;
    ~Owned() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  };
  static std::map<std::string, std::unique_ptr<Owned>> dirs;
  auto& owned = dirs[tag];
  if (!owned) {
    owned = std::make_unique<Owned>();
    owned->dir = std::filesystem::temp_directory_path() / ("antispoof_" + tag + "_" + std::to_string(getpid()));
    std::filesystem::create_directories(owned->dir);
  }
  return owned->dir;
}

}  // namespace antispoof::bench
