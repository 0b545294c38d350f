// Names that become one component of a path (a run name under OUT/runs/, an utterance id under a
// split's audio folder): the one check that keeps them inside the folder they are joined to.
#pragma once

#include <string>
#include <string_view>

namespace antispoof {

// "" when `name` is one plain file or folder name that stays inside the folder it is joined to, else
// what is wrong with it: empty, "." or "..", a '/' or '\\', or a NUL byte.
inline std::string PathComponentError(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name == "." || name == "..") return "is '" + std::string(name) + "', which names a folder, not a file in it";
  if (name.find('/') != std::string_view::npos || name.find('\\') != std::string_view::npos)
    return "contains a path separator (it would leave its folder)";
  if (name.find('\0') != std::string_view::npos) return "contains a NUL byte";
  return "";
}

}  // namespace antispoof
