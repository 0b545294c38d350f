// Fault catalogue, long runs: a full disk while writing a checkpoint, SIGINT, SIGKILL at random
// (seeded) points and by an outside killer. Whatever happens, the previous checkpoint stays
// intact and `--resume` ends with exactly the weights, optimizer state and logs of an
// uninterrupted run.
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class TrainFaults : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }

  // A corpus of `train` utterances (batches of 4) and a config of `epochs` epochs.
  void Prepare(int train, int epochs) {
    la_ = WriteCorpus(dir_, train, 6);
    config_ = WriteTinyConfig(dir_, "num_epochs_placeholder: 0\n");
    std::string text = Slurp(config_);
    text.replace(text.find("num_epochs: 1"), 13, "num_epochs: " + std::to_string(epochs));
    text.erase(text.find("num_epochs_placeholder: 0\n"), 26);
    Spit(config_, text);
  }
  std::string Args(const std::string& out, bool resume = false) {
    return TrainArgs(config_, la_, out, resume ? "--resume" : "");
  }
  // The uninterrupted run everything is compared with.
  std::string Reference() {
    const std::string out = dir_ + "/reference";
    CommandResult r = RunAntispoof(Args(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }
  static std::string EpochsWithoutSeconds(const std::string& path) {
    std::istringstream in(Slurp(path));
    std::string out;
    for (std::string line; std::getline(in, line);) out += line.substr(0, line.rfind(',')) + "\n";
    return out;
  }
  void ExpectSameRun(const std::string& reference, const std::string& run) {
    ExpectSameWeights(reference + "/last.pth", run + "/last.pth");
    ExpectSameWeights(reference + "/best.pth", run + "/best.pth");
    EXPECT_EQ(Slurp(reference + "/train_log.csv"), Slurp(run + "/train_log.csv"));
    EXPECT_EQ(EpochsWithoutSeconds(reference + "/epochs.csv"),
              EpochsWithoutSeconds(run + "/epochs.csv"));
    EXPECT_TRUE(TempFilesIn(run).empty());
  }
  std::string dir_, la_, config_;
};

TEST_F(TrainFaults, DiskFullWhileWritingACheckpointKeepsThePreviousOne) {
  Prepare(8, 2);  // 2 steps per epoch
  const std::string reference = Reference();
  const std::string out = dir_ + "/run";
  // Stop after epoch 1 (killed at the first step of epoch 2).
  CommandResult killed =
      RunShell(std::string(kKillEnv) + "=3 " + Quote(testing::BinaryPath()) + " " + Args(out));
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
  const auto before = Snapshot(out);
  ASSERT_TRUE(before.count("last.pth") && before.count("best.pth"));
  ASSERT_GT(before.at("last.pth").size(), 64u * 1024);
  // Resume with files limited to 64 KiB: writing the epoch-2 checkpoint fails (EFBIG; SIGXFSZ
  // is ignored so that write() reports it).
  CommandResult full = RunShell("trap '' XFSZ; ulimit -f 64; exec " + Quote(testing::BinaryPath()) +
                                " " + Args(out, true));
  EXPECT_EQ(full.exit_code, 1) << full.err;
  EXPECT_TRUE(
      Contains(full.err,
               out + "/best.pth: write failed (previous file left intact): File too large") ||
      Contains(full.err,
               out + "/last.pth: write failed (previous file left intact): File too large"))
      << full.err;
  const auto after = Snapshot(out);
  EXPECT_TRUE(after.at("last.pth") == before.at("last.pth"));
  EXPECT_TRUE(after.at("best.pth") == before.at("best.pth"));
  EXPECT_TRUE(TempFilesIn(out).empty());
  // Nothing lost: with space again, the run ends exactly like the uninterrupted one.
  CommandResult resumed = RunAntispoof(Args(out, true));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectSameRun(reference, out);
}

TEST_F(TrainFaults, SigintSavesAMidEpochCheckpointThatResumesBitIdentically) {
  Prepare(24, 2);  // 6 steps per epoch
  const std::string reference = Reference();
  const std::string out = dir_ + "/run";
  Child child = Spawn(Args(out), dir_);
  ASSERT_TRUE(WaitForLines(out + "/train_log.csv", 3));  // header + 2 steps
  ::kill(child.pid, SIGINT);
  EXPECT_EQ(Wait(child), 130);
  const std::string err = Slurp(child.err);
  EXPECT_TRUE(Contains(err, "interrupted by SIGINT in epoch 1 after batch")) << err;
  EXPECT_TRUE(Contains(err, "saved " + out + "/last.pth; continue with:")) << err;
  EXPECT_TRUE(Contains(err, "--resume")) << err;
  EXPECT_TRUE(fs::exists(out + "/last.pth"));
  CommandResult resumed = RunAntispoof(Args(out, true));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(Contains(resumed.err, "continuing epoch 1 at batch")) << resumed.err;
  ExpectSameRun(reference, out);
}

TEST_F(TrainFaults, SecondSigintAbortsAtOnce) {
  Prepare(24, 1);
  const std::string out = dir_ + "/run";
  Child child = Spawn(Args(out), dir_);
  ASSERT_TRUE(WaitForLines(out + "/train_log.csv", 2));
  ::kill(child.pid, SIGINT);
  // The first signal is acknowledged on stderr; the second one then ends the process itself.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!Contains(Slurp(child.err), "signal again to abort now") &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(child.pid, SIGINT);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
      << status << " " << Slurp(child.err);
}

TEST_F(TrainFaults, KilledAtRandomPointsThenResumedIsBitIdentical) {
  Prepare(24, 3);  // 18 steps
  const std::string reference = Reference();
  const std::string out = dir_ + "/run";
  std::mt19937 rng(20240611);  // fixed: the same kill points on every run
  std::vector<int> kill_at;
  while (kill_at.size() < 3) {
    int k = std::uniform_int_distribution<int>(1, 17)(rng);
    if (std::find(kill_at.begin(), kill_at.end(), k) == kill_at.end()) kill_at.push_back(k);
  }
  std::sort(kill_at.begin(), kill_at.end());
  bool resume = false;
  int interruptions = 0;
  // SIGKILL right after a (seeded) optimizer step, from inside.
  for (int k : kill_at) {
    SCOPED_TRACE("kill -9 at iteration " + std::to_string(k));
    CommandResult r = RunShell(std::string(kKillEnv) + "=" + std::to_string(k) + " " +
                               Quote(testing::BinaryPath()) + " " + Args(out, resume));
    ASSERT_EQ(r.exit_code, 128 + SIGKILL) << r.err;
    resume = true;
    ++interruptions;
  }
  // SIGKILL and SIGINT from outside at a (seeded) delay after the start: these land anywhere,
  // in the start-up, a step, the dev pass or while a checkpoint is being written.
  for (int sig : {SIGKILL, SIGINT, SIGKILL, SIGKILL}) {
    const int delay_ms = std::uniform_int_distribution<int>(300, 2500)(rng);
    SCOPED_TRACE(std::string(sig == SIGINT ? "SIGINT" : "SIGKILL") + " after " +
                 std::to_string(delay_ms) + " ms");
    Child child = Spawn(Args(out, true), dir_);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(child.pid, sig);
    const int status = Wait(child);
    EXPECT_TRUE(status == 128 + sig || status == 0 || (sig == SIGINT && status == 130))
        << status << Slurp(child.err);
    if (status != 0) ++interruptions;
  }
  CommandResult last = RunAntispoof(Args(out, true));
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_GE(interruptions, 3);
  ExpectSameRun(reference, out);
}

}  // namespace
}  // namespace antispoof::faults
