// antispoof info: parameters, buffers, size and multiply-adds of a config, per stage.
#include <cstdio>

#include "antispoof/config/config.h"
#include "antispoof/model/summary.h"
#include "command.h"

namespace {
struct InfoArgs {
  std::string config;
  bool json = false;
};

antispoof::cli::Registration reg{{"info", "Parameters, size and MACs of a model config", [](CLI::App& sub) {
  auto args = std::make_shared<InfoArgs>();
  sub.add_option("-c,--config", args->config, "YAML config (reference keys under model:)")->required();
  sub.add_flag("--json", args->json, "Print JSON (keys parameters, buffers, size_mb, macs, stages)");
  return std::function<int()>([args] {
    auto config = antispoof::LoadConfig(args->config);
    auto summary = antispoof::model::Summarize(config.model);
    if (args->json) {
      auto j = summary.ToJson();
      j["config"] = args->config;
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("config: %s\n%s", args->config.c_str(), summary.ToTable().c_str());
    }
    return 0;
  });
}, 10}};
}  // namespace
