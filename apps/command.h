// Subcommand registry: each cmd_<name>.cc defines one subcommand with a static Registration.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "antispoof/audio/audio.h"
#include "antispoof/config/key_flags.h"

namespace antispoof::cli {

// Adds the subcommand's options to `sub` and returns the action run when it is chosen; the
// action returns the process exit code.
using CommandSetup = std::function<std::function<int()>(CLI::App& sub)>;

struct CommandSpec {
  std::string name;
  std::string description;
  CommandSetup setup;
  int order = 100;  // position in --help
};

std::vector<CommandSpec>& Registry();

// --skip-missing, --mixdown, --resample: how commands that read many audio files treat missing,
// multi-channel and other-rate files (errors by default).
void AddAudioInputFlags(CLI::App& sub, audio::DecodeOptions& decode, bool& skip_missing);

// A flag that sets config key `key` (its help says so): its value, as typed, is appended to `flags`
// and applied later with ApplyKeyFlags, under the key's own rules. `flags` must outlive the parse.
CLI::Option* AddKeyFlag(CLI::App& sub, std::vector<KeyFlag>& flags, const std::string& flag,
                        const std::string& key, const std::string& help);

// The process's command line, shell-quoted (saved beside every result).
const std::string& CommandLine();
void SetCommandLine(int argc, char** argv);

struct Registration {
  explicit Registration(CommandSpec spec) { Registry().push_back(std::move(spec)); }
};

}  // namespace antispoof::cli
