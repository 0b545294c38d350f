// antispoof experiment / demo: runs x seeds, results.json, plots, report.md.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "antispoof/common/error.h"
#include "antispoof/common/process.h"
#include "antispoof/experiment/experiment.h"
#include "command.h"

namespace {
namespace fs = std::filesystem;

int Run(const antispoof::experiment::ExperimentConfig& config, antispoof::experiment::ExperimentOptions o) {
  o.command_line = antispoof::cli::CommandLine();
  o.bench_executable = antispoof::SelfExecutable();
  auto results = antispoof::experiment::RunExperiment(config, o);
  std::printf("%s", antispoof::experiment::SummaryTable(results, config.dataset).c_str());
  std::printf("\nresults: %s/results.json\nreport:  %s/report.md\n", o.out_dir.c_str(), o.out_dir.c_str());
  return 0;
}

// conf/experiments/<name> beside the binary's source tree (build/apps/antispoof -> conf/), or in
// the current folder.
std::string FindShippedConfig(const std::string& name) {
  std::vector<fs::path> candidates = {fs::path("conf/experiments") / name};
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
      candidates.push_back(dir / "conf/experiments" / name);
  }
  for (const auto& c : candidates)
    if (fs::is_regular_file(c, ec)) return c.string();
  throw antispoof::Error("cannot find conf/experiments/" + name + ": run from the antispoof folder");
}

antispoof::cli::Registration experiment{{"experiment", "Train and compare runs x seeds; write results, plots, report",
                                         [](CLI::App& sub) {
  auto config = std::make_shared<std::string>();
  auto o = std::make_shared<antispoof::experiment::ExperimentOptions>();
  sub.add_option("-c,--config", *config, "Experiment YAML (conf/experiments/*.yaml)")->required();
  sub.add_option("-o,--out", o->out_dir, "Output folder")->required();
  sub.add_flag("--resume", o->resume, "Continue an interrupted experiment in --out");
  sub.add_option("--jobs", o->corpus_jobs, "Parallel jobs when the default corpus must be built");
  return std::function<int()>([config, o] {
    return Run(antispoof::experiment::LoadExperimentConfig(*config), *o);
  });
}, 40}};

antispoof::cli::Registration demo{{"demo", "The main job: default corpus + baseline vs attention experiment (minutes)",
                                   [](CLI::App& sub) {
  auto o = std::make_shared<antispoof::experiment::ExperimentOptions>();
  auto corpus = std::make_shared<std::string>("data/corpus");
  auto config = std::make_shared<std::string>("demo.yaml");
  o->out_dir = "out/demo";
  o->resume = true;
  sub.add_option("-o,--out", o->out_dir, "Output folder (reused: a finished demo is reported again)");
  sub.add_option("--corpus", *corpus, "Where the default corpus is built (or reused)");
  sub.add_option("--experiment", *config, "Shipped experiment config name or a path");
  sub.add_option("--jobs", o->corpus_jobs, "Parallel corpus generation jobs");
  return std::function<int()>([o, corpus, config] {
    std::string path = fs::exists(*config) ? *config : FindShippedConfig(*config);
    auto c = antispoof::experiment::LoadExperimentConfig(path);
    if (c.data_root.empty()) c.corpus_dir = *corpus;
    return Run(c, *o);
  });
}, 5}};
}  // namespace
