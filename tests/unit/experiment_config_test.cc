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

}  // namespace
}  // namespace antispoof
