// Command-line flags that set config keys (train --epochs, eval --batch-size, bench --threads, ...):
// one path from a flag's text to its key, under the key's own rules (config/keys.cc).
#pragma once

#include <string>
#include <vector>

#include "antispoof/config/config.h"

namespace antispoof {

// A command-line flag that sets a config key ("--epochs" sets num_epochs), with its value as typed.
// Every command's key flags (train, eval, bench) go through ApplyKeyFlags, so a flag obeys exactly the
// rules of its key in a file (`--epochs 0` and `--threads -1` are errors, not "use the config's").
struct KeyFlag {
  std::string flag, key, value;
};
// Sets each key from its flag's text (read as YAML, like the file: "-1", "1e-3", "cuda:0") and
// validates the result; Error "FLAG: KEY: what is wrong".
void ApplyKeyFlags(Config& config, const std::vector<KeyFlag>& flags);

}  // namespace antispoof
