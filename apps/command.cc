#include "command.h"

namespace antispoof::cli {
std::vector<CommandSpec>& Registry() {
  static std::vector<CommandSpec> registry;
  return registry;
}
}  // namespace antispoof::cli
