// Fault catalogue, experiments: every value that could only fail after training (a run name that
// leaves OUT, a seed listed twice, runs too short to log a row) is refused before anything trains.
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class ExperimentFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    la_ = WriteCorpus(dir_, 8, 6);  // 2 steps of batch 4 per epoch
    config_ = WriteTinyConfig(dir_);
  }
  // `antispoof experiment` of `top` (keys before runs:) and `runs` (the list's lines).
  CommandResult Run(const std::string& top, const std::string& runs) {
    path_ = dir_ + "/exp.yaml";
    Spit(path_, "data_root: " + la_ + "\nbench: false\nbootstrap_samples: 10\n" + top + "runs:\n" + runs);
    return RunAntispoof("--quiet experiment --config " + Quote(path_) + " --out " + Quote(dir_ + "/out"));
  }
  void ExpectRefusedBeforeTraining(const CommandResult& r, const std::string& what) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(Contains(r.err, path_)) << r.err;
    EXPECT_TRUE(Contains(r.err, what)) << r.err;
    EXPECT_FALSE(Contains(r.err, "experiment: [1/")) << r.err;  // no run started
    EXPECT_FALSE(fs::exists(dir_ + "/out/runs/run_0"));
  }
  std::string Entry(const std::string& name) { return "  - {name: " + name + ", config: " + config_ + "}\n"; }
  std::string dir_, la_, config_, path_;
};

TEST_F(ExperimentFaults, ARunNameThatLeavesTheOutputFolderIsRefused) {
  // `name: ../../../escape` wrote checkpoints and scores outside --out.
  ExpectRefusedBeforeTraining(Run("seeds: [1]\n", Entry("../../../escape")),
                              "runs[0]: name '../../../escape' contains a path separator");
  ExpectRefusedBeforeTraining(Run("seeds: [1]\n", Entry("'..'")), "runs[0]: name '..' is '..'");
  EXPECT_FALSE(fs::exists(dir_ + "/escape"));
}

TEST_F(ExperimentFaults, DuplicateAndNegativeSeedsAreRefusedUpFront) {
  // A seed listed twice used to be rejected by the report, after all training.
  ExpectRefusedBeforeTraining(Run("seeds: [1, 2, 1]\n", Entry("run_0")),
                              "seeds: 1 is listed twice (seeds[0] and seeds[2])");
  ExpectRefusedBeforeTraining(Run("seeds: [-3]\n", Entry("run_0")), "seeds[0]: seed: must not be negative");
}

TEST_F(ExperimentFaults, EpochsAndThreadsFollowTheirKeysRules) {
  // `epochs: 0` and `epochs: -1` used to mean "each config's num_epochs".
  ExpectRefusedBeforeTraining(Run("seeds: [1]\nepochs: 0\n", Entry("run_0")), "epochs: num_epochs: must be positive");
  ExpectRefusedBeforeTraining(Run("seeds: [1]\nepochs: -1\n", Entry("run_0")), "epochs: num_epochs: must be positive");
  ExpectRefusedBeforeTraining(Run("seeds: [1]\nthreads: -2\n", Entry("run_0")),
                              "threads: threads: must not be negative");
}

TEST_F(ExperimentFaults, RunsTooShortToLogARowAreRefusedBeforeTraining) {
  // 1 epoch of 2 steps never reaches log_every 5: train_log.csv stayed empty and the report failed
  // at the very end.
  ExpectRefusedBeforeTraining(Run("seeds: [1]\nset: {log_every: 5}\n", Entry("run_0")),
                              "run 'run_0': 2 optimizer steps (1 epochs of 2 batches of 4 from ");
}

}  // namespace
}  // namespace antispoof::faults
