// antispoof config: every config key with its type, default, allowed values and meaning, or a
// config file resolved (with --set overrides) and validated, as the trainer would save it.
#include <cstdio>

#include "antispoof/common/error.h"
#include "antispoof/config/config.h"
#include "command.h"

namespace {
struct ConfigArgs {
  std::string config;
  std::vector<std::string> overrides;
  bool markdown = false;
};

antispoof::cli::Registration reg{{"config", "List the config keys, or print a config resolved and validated",
                                  [](CLI::App& sub) {
  auto a = std::make_shared<ConfigArgs>();
  sub.add_option("-c,--config", a->config, "Config to resolve (YAML or AASIST .conf); without it, list the keys");
  sub.add_option("--set", a->overrides, "Override a config key: KEY=VALUE (e.g. model.nb_samp=32000)");
  sub.add_flag("--markdown", a->markdown, "List the keys as a Markdown table (docs/config.md)");
  return std::function<int()>([a] {
    if (a->config.empty()) {
      if (!a->overrides.empty()) throw antispoof::Error("--set: needs --config, the config to override");
      std::fputs(antispoof::FormatKeyTable(a->markdown).c_str(), stdout);
      return 0;
    }
    antispoof::Config config = antispoof::LoadConfig(a->config);
    for (const auto& kv : a->overrides) antispoof::ApplyOverride(config, kv);
    std::fputs(antispoof::ToYaml(config).c_str(), stdout);
    return 0;
  });
}, 15}};
}  // namespace
