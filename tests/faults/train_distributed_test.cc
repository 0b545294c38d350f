// Fault catalogue, distributed misconfiguration: ranks started with different configs, and a
// rendezvous file that already exists, end every rank with a message naming the rank and the
// disagreement, within --dist-timeout (no SIGABRT inside Gloo, no hang).
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

using Clock = std::chrono::steady_clock;

class DistributedFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    la_ = WriteCorpus(dir_, 8, 6);
    config_ = WriteTinyConfig(dir_);
    init_ = dir_ + "/rendezvous";
  }
  // Rank `rank` of 2 meeting in the init file, with `extra` flags.
  Child StartRank(int rank, const std::string& extra = "") {
    return Spawn(TrainArgs(config_, la_, dir_ + "/run", "--world-size 2 --rank " + std::to_string(rank) +
                                                            " --dist-init-file " + Quote(init_) +
                                                            " --dist-timeout 5 " + extra),
                 dir_);
  }
  static double Since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
  std::string dir_, la_, config_, init_;
};

TEST_F(DistributedFaults, RanksWithDifferentConfigsNameTheRankAndTheKey) {
  // A model of another width used to abort both ranks with SIGABRT (gloo::EnforceNotMet).
  const auto t0 = Clock::now();
  Child r0 = StartRank(0);
  Child r1 = StartRank(1, "--set model.gru_node=32 --lr 0.002");
  const int rc0 = Wait(r0), rc1 = Wait(r1);
  const double seconds = Since(t0);
  const std::string e0 = Slurp(r0.err), e1 = Slurp(r1.err);
  EXPECT_EQ(rc0, 1) << e0;
  EXPECT_EQ(rc1, 1) << e1;
  for (const std::string& err : {e0, e1}) {
    EXPECT_TRUE(Contains(err, "rank 1: config differs from rank 0 (keys: ")) << err;
    EXPECT_TRUE(Contains(err, "model.gru_node (16 on rank 0, 32 there)")) << err;
    EXPECT_TRUE(Contains(err, "lr (0.001 on rank 0, 0.002 there)")) << err;
  }
  EXPECT_TRUE(Contains(e0, "rank 0 of 2: ")) << e0;
  EXPECT_TRUE(Contains(e1, "rank 1 of 2: ")) << e1;
  EXPECT_LT(seconds, 5);  // both stop at the exchange, long before the timeout
  EXPECT_FALSE(fs::exists(dir_ + "/run/last.pth"));
}

TEST_F(DistributedFaults, AnExistingInitFileIsRefusedAndNoRankHangs) {
  // Both ranks used to hang past --dist-timeout on a previous run's store.
  struct Case {
    std::string content, rank1_message;
  };
  for (const Case& c : {Case{"left by another program", "is not a rendezvous file antispoof's rank 0 created"},
                        // An earlier (killed) run's file: rank 1 meets nobody in its store and stops at the timeout.
                        Case{"antispoof-rendezvous-1 0123456789abcdef\n", "--dist-timeout 5 s"}}) {
    SCOPED_TRACE(c.content);
    Spit(init_, c.content);
    const auto t0 = Clock::now();
    Child r0 = StartRank(0);
    Child r1 = StartRank(1);
    const int rc0 = Wait(r0);
    const double rank0_seconds = Since(t0);
    const int rc1 = Wait(r1);
    const double rank1_seconds = Since(t0);
    const std::string e0 = Slurp(r0.err), e1 = Slurp(r1.err);
    EXPECT_EQ(rc0, 1) << e0;
    EXPECT_TRUE(Contains(e0, "rank 0 of 2: --dist-init-file " + init_ + " already exists")) << e0;
    EXPECT_LT(rank0_seconds, 5);
    EXPECT_EQ(rc1, 1) << e1;
    EXPECT_TRUE(Contains(e1, "rank 1 of 2: ")) << e1;
    EXPECT_TRUE(Contains(e1, c.rank1_message)) << e1;
    EXPECT_LT(rank1_seconds, 20);  // at most the 5 s timeout, plus start-up
    EXPECT_EQ(Slurp(init_), c.content);  // not modified
    std::printf("existing init file: rank 0 refused after %.1f s, rank 1 stopped after %.1f s\n", rank0_seconds,
                rank1_seconds);
    EXPECT_FALSE(fs::exists(dir_ + "/run/last.pth"));
  }
}

TEST_F(DistributedFaults, ANewInitFileIsCreatedByRankZeroAndRemovedAfterTheRun) {
  Child r1 = StartRank(1);  // the other rank may start first: it waits for rank 0's file
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(fs::exists(init_));
  Child r0 = StartRank(0);
  EXPECT_EQ(Wait(r0), 0) << Slurp(r0.err);
  EXPECT_EQ(Wait(r1), 0) << Slurp(r1.err);
  EXPECT_TRUE(fs::exists(dir_ + "/run/last.pth"));
  EXPECT_FALSE(fs::exists(init_));  // the store removes its file when every rank is done: reusable
}

TEST(LaunchFaults, RankCountOutsideOneTo256IsRefusedBeforeAnyFork) {
  for (const char* n : {"0", "257", "100000"}) {
    const CommandResult r = RunAntispoof(std::string("launch -n ") + n + " -- train --help");
    EXPECT_NE(r.exit_code, 0) << n << ": " << r.err;
    EXPECT_TRUE(Contains(r.err, std::string("--nprocs: Value ") + n + " not in range 1 to 256")) << r.err;
    EXPECT_FALSE(Contains(r.err, "rendezvous at")) << r.err;  // refused before it starts ranks
  }
}

}  // namespace
}  // namespace antispoof::faults
