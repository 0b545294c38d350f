#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "antispoof/common/error.h"
#include "antispoof/experiment/experiment.h"
#include "support/test_support.h"

namespace antispoof {
namespace {

// The error LoadExperimentConfig gives for `text`, or "" when it loads.
std::string LoadError(const std::string& text) {
  const std::string path = testing::TempDir() + "/exp.yaml";
  std::ofstream(path) << text;
  try {
    experiment::LoadExperimentConfig(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* const kRuns = "runs:\n  - {name: run_0, config: rawnet2.yaml}\n";

TEST(ExperimentConfig, BenchRoundsDefaultToThreeAndMustBePositive) {
  const std::string path = testing::TempDir() + "/ok.yaml";
  std::ofstream(path) << kRuns;
  EXPECT_EQ(experiment::LoadExperimentConfig(path).bench_rounds, 3);
  for (const char* key : {"bench_rounds", "bench_repeats"}) {
    const std::string err = LoadError(std::string(key) + ": 0\n" + kRuns);
    EXPECT_NE(err.find("exp.yaml"), std::string::npos) << err;
    EXPECT_NE(err.find(std::string(key) + ": must be at least 1"), std::string::npos) << err;
  }
}

TEST(ExperimentConfig, AnUnknownKeyIsNamed) {
  const std::string err = LoadError(std::string("bench_round: 2\n") + kRuns);
  EXPECT_NE(err.find("bench_round"), std::string::npos) << err;
  EXPECT_NE(err.find("exp.yaml"), std::string::npos) << err;
}

TEST(ExperimentConfig, TestSetsAreReadAndValidated) {
  const std::string path = testing::TempDir() + "/sets.yaml";
  std::ofstream(path) << kRuns
                      << "test_sets:\n"
                         "  - {name: itw, data_root: /data/release_in_the_wild}\n"
                         "  - {name: df21, data_root: /data/df, protocol: /data/df/keys/DF/CM/trial_metadata.txt, "
                         "layout: df2021}\n";
  const auto c = experiment::LoadExperimentConfig(path);
  ASSERT_EQ(c.test_sets.size(), 2u);
  EXPECT_EQ(c.test_sets[0].name, "itw");
  EXPECT_EQ(c.test_sets[0].layout, "auto");
  EXPECT_EQ(c.test_sets[1].protocol, "/data/df/keys/DF/CM/trial_metadata.txt");
  EXPECT_EQ(c.test_sets[1].layout, "df2021");
  struct Case {
    const char* yaml;
    const char* error;
  } cases[] = {
      {"test_sets:\n  - {name: eval, data_root: x}\n", "test_sets[0]: test set name 'eval': that is the run's own split"},
      {"test_sets:\n  - {name: a, data_root: x, layout: wild}\n", "test_sets[0]: unknown layout 'wild'"},
      {"test_sets:\n  - {name: a}\n", "test_sets[0]: data_root: missing"},
      {"test_sets:\n  - {name: a, data_root: x}\n  - {name: a, data_root: y}\n", "duplicate test set name 'a'"},
      {"test_sets:\n  - {name: a, data_root: x, split: eval}\n", "split"},
  };
  for (const auto& c : cases) {
    const std::string err = LoadError(std::string(kRuns) + c.yaml);
    EXPECT_NE(err.find(c.error), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace antispoof
