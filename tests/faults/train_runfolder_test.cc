// Fault catalogue, run folders: antispoof writes only into folders it created and marked; a second
// process is kept out by a lock that names its holder and that a kill -9 releases; results are
// replaced only by complete, finite ones.
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class RunFolderFaults : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  // 8 train utterances in batches of 4 (2 steps per epoch), `epochs` epochs.
  void Prepare(int epochs) {
    la_ = WriteCorpus(dir_, 8, 6);
    config_ = WriteTinyConfig(dir_);
    std::string text = Slurp(config_);
    text.replace(text.find("num_epochs: 1"), 13, "num_epochs: " + std::to_string(epochs));
    Spit(config_, text);
  }
  std::string dir_, la_, config_;
};

TEST_F(RunFolderFaults, AUsersFolderIsRefusedUntouched) {
  // It used to overwrite config.yaml, summary.json, run.json and best.pth: only last.pth stopped it.
  Prepare(1);
  const std::string user = dir_ + "/mine";
  fs::create_directories(user);
  Spit(user + "/config.yaml", "my own notes\n");
  Spit(user + "/summary.json", "{\"mine\": true}\n");
  Spit(user + "/best.pth", "not a checkpoint");
  const auto before = Snapshot(user);
  CommandResult r = RunAntispoof(TrainArgs(config_, la_, user));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, user + ": exists and is not an antispoof run folder (no .antispoof-run)")) << r.err;
  EXPECT_TRUE(Snapshot(user) == before);
  EXPECT_FALSE(fs::exists(user + "/.antispoof-lock"));  // refused before anything is created
}

TEST_F(RunFolderFaults, OutputIntoTheInputConfigsFolderIsRefused) {
  // `train -c config.yaml -o .` overwrote its own input config.
  Prepare(1);
  const std::string before = Slurp(config_);
  CommandResult r = RunShell("cd " + Quote(dir_) + " && " + Quote(testing::BinaryPath()) +
                             " --quiet train -c tiny.yaml --data-root LA -o .");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "is not an antispoof run folder")) << r.err;
  EXPECT_EQ(Slurp(config_), before);
  EXPECT_FALSE(fs::exists(dir_ + "/run.json"));
}

TEST_F(RunFolderFaults, AFolderOfAnotherKindIsRefused) {
  Prepare(1);
  const std::string experiment = dir_ + "/experiment";
  fs::create_directories(experiment);
  Spit(experiment + "/.antispoof-run", "{\"format\": \"antispoof-run-folder-1\", \"kind\": \"experiment\"}\n");
  CommandResult r = RunAntispoof(TrainArgs(config_, la_, experiment));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, experiment + ": is an antispoof experiment folder, not a run folder")) << r.err;
}

TEST_F(RunFolderFaults, ASecondTrainingIsKeptOutAndAKilledOneResumes) {
  // Two trainings into one --out both exited 0, leaving a folder that mixed two seeds.
  Prepare(2);
  const std::string out = dir_ + "/run";
  // The first stops itself (SIGSTOP) after step 3, holding the folder, epoch 1 saved.
  Child first = Spawn(TrainArgs(config_, la_, out), dir_,
                      std::string(kKillEnv) + "=3 ANTISPOOF_KILL_SIGNAL=" + std::to_string(SIGSTOP));
  int status = 0;
  ASSERT_EQ(::waitpid(first.pid, &status, WUNTRACED), first.pid);
  ASSERT_TRUE(WIFSTOPPED(status)) << Slurp(first.err);
  const std::string holder = "(PID " + std::to_string(first.pid) + ", holding " + out + "/.antispoof-lock)";
  for (const std::string& extra : {"--seed 7", "--resume"}) {
    CommandResult second = RunAntispoof(TrainArgs(config_, la_, out, extra));
    EXPECT_EQ(second.exit_code, 1) << extra;
    EXPECT_TRUE(Contains(second.err, out + ": is in use by another antispoof process " + holder)) << second.err;
  }
  const std::string epochs = Slurp(out + "/epochs.csv");
  EXPECT_EQ(CountLines(out + "/epochs.csv"), 2) << epochs;  // header + epoch 1, nothing of the second
  // kill -9: the kernel drops the lock with the process; a new process resumes without any cleanup.
  ::kill(first.pid, SIGKILL);
  EXPECT_EQ(Wait(first), 128 + SIGKILL);
  CommandResult resumed = RunAntispoof(TrainArgs(config_, la_, out, "--resume"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(Contains(resumed.err, "resuming " + out + " after epoch 1")) << resumed.err;
  EXPECT_EQ(CountLines(out + "/epochs.csv"), 3);
  EXPECT_TRUE(Contains(Slurp(out + "/.antispoof-run"), "\"kind\": \"run\"")) << Slurp(out + "/.antispoof-run");
}

// The tiny run's checkpoint with every storage's bytes set to 0xFF (NaN as float32).
std::string NanCheckpoint(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (auto [name, data] : ZipRecords(Slurp(path))) {
    if (Contains(name, "/data/") && !Contains(name, ".pkl")) data.assign(data.size(), '\xff');
    entries.emplace_back(name, data);
  }
  return StoredZip(entries);
}

TEST_F(RunFolderFaults, EvalOfABrokenCheckpointKeepsThePreviousResults) {
  // It replaced a run's good scores with NaN scores, then failed.
  TinyRun run = TrainTinyRun(dir_);
  const std::string eval = "--quiet eval --run " + Quote(run.run) + " --split dev --threads 1";
  CommandResult good = RunAntispoof(eval);
  ASSERT_EQ(good.exit_code, 0) << good.err;
  const std::string scores = Slurp(run.run + "/scores_dev.txt"), metrics = Slurp(run.run + "/metrics_dev.json");
  ASSERT_FALSE(scores.empty());
  const std::string nan = dir_ + "/nan.pth";
  Spit(nan, NanCheckpoint(run.run + "/best.pth"));
  CommandResult broken = RunAntispoof(eval + " --checkpoint " + Quote(nan));
  EXPECT_EQ(broken.exit_code, 1) << broken.err;
  EXPECT_TRUE(Contains(broken.err, "not finite") || Contains(broken.err, "NaN")) << broken.err;
  EXPECT_TRUE(Slurp(run.run + "/scores_dev.txt") == scores);
  EXPECT_TRUE(Slurp(run.run + "/metrics_dev.json") == metrics);
  EXPECT_TRUE(TempFilesIn(run.run).empty());
}

}  // namespace
}  // namespace antispoof::faults
