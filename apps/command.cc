#include "command.h"

#include <cmath>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::cli {
std::vector<CommandSpec>& Registry() {
  static std::vector<CommandSpec> registry;
  return registry;
}

namespace {
std::string& MutableCommandLine() {
  static std::string line;
  return line;
}
}  // namespace

void AddAudioInputFlags(CLI::App& sub, audio::DecodeOptions& decode, bool& skip_missing) {
  sub.add_flag("--skip-missing", skip_missing, "Leave out protocol entries whose audio is missing");
  sub.add_flag("--mixdown", decode.mixdown, "Average multi-channel audio instead of rejecting it");
  sub.add_flag("--resample", decode.resample,
               "Resample other rates to the model's rate instead of rejecting them");
}

CLI::Option* AddKeyFlag(CLI::App& sub, std::vector<KeyFlag>& flags, const std::string& flag,
                        const std::string& key, const std::string& help) {
  std::vector<KeyFlag>* out = &flags;
  return sub.add_option_function<std::string>(
      flag, [out, flag, key](const std::string& value) { out->push_back({flag, key, value}); },
      help + " (config key " + key + ")");
}

const std::string& CommandLine() { return MutableCommandLine(); }

void SetCommandLine(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    bool plain = !arg.empty() && arg.find_first_not_of(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == std::string::npos;
    if (!plain) {
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    line += (i ? " " : "") + arg;
  }
  MutableCommandLine() = line;
}
}  // namespace antispoof::cli
