#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "antispoof/config/config.h"
#include "antispoof/experiment/experiment.h"
#include "support/test_support.h"

namespace antispoof {
namespace {

namespace fs = std::filesystem;

std::string Experiments() { return testing::SourceDir() + "/conf/experiments"; }

// Every shipped experiment resolves: its keys are known, run_0 comes first, and each run's model
// config loads and accepts the experiment's overrides (the checks RunExperiment makes before
// anything trains).
TEST(ShippedExperiments, EveryOneResolves) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(Experiments()))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  ASSERT_GE(files.size(), 3u);
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    experiment::ExperimentConfig c;
    ASSERT_NO_THROW(c = experiment::LoadExperimentConfig(path));
    ASSERT_FALSE(c.runs.empty());
    EXPECT_EQ(c.runs[0].name, "run_0");
    EXPECT_GE(c.seeds.size(), 2u);
    std::set<long> seeds(c.seeds.begin(), c.seeds.end());
    EXPECT_EQ(seeds.size(), c.seeds.size()) << "a seed appears twice";
    for (const auto& run : c.runs) {
      SCOPED_TRACE(run.name);
      Config cfg;
      ASSERT_NO_THROW(cfg = LoadConfig(run.config));
      for (const auto& kv : c.overrides) EXPECT_NO_THROW(ApplyOverride(cfg, kv)) << kv;
      for (const auto& kv : run.overrides) EXPECT_NO_THROW(ApplyOverride(cfg, kv)) << kv;
    }
  }
}

// The all-variants experiment on the default corpus is the demo's recipe with every run of the full
// study: same overrides, epochs and seeds as demo.yaml (so the demo's run directories can be
// reused), same run names and model configs as la_full.yaml.
TEST(ShippedExperiments, CorpusVariantsIsTheDemoRecipeWithEveryStudyRun) {
  const auto demo = experiment::LoadExperimentConfig(Experiments() + "/demo.yaml");
  const auto full = experiment::LoadExperimentConfig(Experiments() + "/la_full.yaml");
  const auto variants = experiment::LoadExperimentConfig(Experiments() + "/corpus_variants.yaml");
  EXPECT_EQ(variants.overrides, demo.overrides);
  EXPECT_EQ(variants.epochs, demo.epochs);
  EXPECT_EQ(variants.seeds, demo.seeds);
  ASSERT_GE(variants.runs.size(), demo.runs.size());
  for (size_t i = 0; i < demo.runs.size(); ++i) {
    EXPECT_EQ(variants.runs[i].name, demo.runs[i].name);
    EXPECT_EQ(variants.runs[i].config, demo.runs[i].config);
    EXPECT_EQ(variants.runs[i].overrides, demo.runs[i].overrides);
  }
  EXPECT_EQ(variants.data_root, demo.data_root);
  ASSERT_EQ(variants.runs.size(), full.runs.size());
  for (size_t i = 0; i < full.runs.size(); ++i) {
    EXPECT_EQ(variants.runs[i].name, full.runs[i].name);
    EXPECT_EQ(variants.runs[i].config, full.runs[i].config);
  }
  EXPECT_EQ(full.runs.size(),
            6u);  // baseline, SE r = 8, 4, 16, avg+max pooling, fixed pre-activation
}

// The resolved config of one run: its file with the experiment's overrides, then the run's own.
Config Resolved(const experiment::ExperimentConfig& c, const experiment::RunEntry& run) {
  Config cfg = LoadConfig(run.config);
  for (const auto& kv : c.overrides) ApplyOverride(cfg, kv);
  for (const auto& kv : run.overrides) ApplyOverride(cfg, kv);
  return cfg;
}

// The family experiment mixes architectures; its RawNet2 runs resolve to exactly the demo's (so the
// demo's run directories can be reused) and its AASIST-L run shares the demo's recipe keys.
TEST(ShippedExperiments, FamilyRunsTheDemosRawNet2RunsBesideAasistL) {
  const auto demo = experiment::LoadExperimentConfig(Experiments() + "/demo.yaml");
  const auto family = experiment::LoadExperimentConfig(Experiments() + "/family.yaml");
  EXPECT_EQ(family.seeds, demo.seeds);
  EXPECT_EQ(family.epochs, demo.epochs);
  ASSERT_EQ(family.runs.size(), 3u);
  for (size_t i = 0; i < demo.runs.size(); ++i) {
    EXPECT_EQ(family.runs[i].name, demo.runs[i].name);
    EXPECT_EQ(ToYaml(Resolved(family, family.runs[i])), ToYaml(Resolved(demo, demo.runs[i]))) << family.runs[i].name;
  }
  const Config aasist_l = Resolved(family, family.runs[2]);
  const Config demo_rawnet2 = Resolved(demo, demo.runs[0]);
  EXPECT_EQ(aasist_l.model.architecture, Architecture::kAasist);
  EXPECT_EQ(aasist_l.model.nb_samp, demo_rawnet2.model.nb_samp);
  EXPECT_EQ(aasist_l.train.batch_size, demo_rawnet2.train.batch_size);
  EXPECT_EQ(aasist_l.train.lr, demo_rawnet2.train.lr);
  EXPECT_EQ(aasist_l.train.lr_schedule, demo_rawnet2.train.lr_schedule);
  EXPECT_EQ(aasist_l.model.first_conv, 128);  // its own sinc front end
}

}  // namespace
}  // namespace antispoof
