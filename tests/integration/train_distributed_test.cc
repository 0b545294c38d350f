// Data-parallel training on loopback: 2 ranks (`antispoof launch -n 2`) end with the weights of one
// process accumulating the same 2 micro-batches per step; a 2-rank run killed mid-epoch resumes to
// the same weights; a dead or stalled rank stops the other with a message within the timeout; dev
// scoring sharded over ranks equals scoring in one process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "antispoof/common/files.h"
#include "antispoof/config/config.h"
#include "antispoof/data/layout.h"
#include "antispoof/data/protocol.h"
#include "antispoof/metrics/det.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/pth/pth.h"
#include "antispoof/train/distributed.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/train/launch.h"
#include "support/file_store_rank.h"
#include "support/synthetic_corpus.h"
#include "support/test_support.h"

namespace antispoof::train {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using infer::Accuracy;
using infer::ScoreWithLoader;
using infer::ScoringResult;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Largest |a - b| over every tensor of two checkpoints (weights, buffers, optimizer state).
double MaxAbsDiff(const std::string& a, const std::string& b) {
  auto ca = pth::ReadCheckpoint(a), cb = pth::ReadCheckpoint(b);
  EXPECT_EQ(ca.tensors.size(), cb.tensors.size());
  EXPECT_EQ(ca.extra_tensors.size(), cb.extra_tensors.size());
  double most = 0;
  auto diff = [&](const pth::StateDict& x, const pth::StateDict& y) {
    for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
      EXPECT_EQ(x[i].first, y[i].first);
      double d = (x[i].second.to(torch::kFloat64) - y[i].second.to(torch::kFloat64))
                     .abs()
                     .max()
                     .item<double>();
      most = std::max(most, d);
    }
  };
  diff(ca.tensors, cb.tensors);
  diff(ca.extra_tensors, cb.extra_tensors);
  return most;
}

// Rows of a CSV file, each split at commas, without the header.
std::vector<std::vector<double>> Csv(const std::string& path) {
  std::istringstream in(ReadFile(path));
  std::string line;
  std::vector<std::vector<double>> rows;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

// Same rows; every column but the last (`seconds` when `skip_last`) equal to `tol`.
void ExpectSameCsv(const std::string& a, const std::string& b, double tol, bool skip_last) {
  auto ra = Csv(a), rb = Csv(b);
  ASSERT_EQ(ra.size(), rb.size()) << a;
  ASSERT_FALSE(ra.empty()) << a;
  for (size_t i = 0; i < ra.size(); ++i) {
    ASSERT_EQ(ra[i].size(), rb[i].size());
    for (size_t j = 0; j + (skip_last ? 1 : 0) < ra[i].size(); ++j)
      EXPECT_NEAR(ra[i][j], rb[i][j], tol) << a << " row " << i << " column " << j;
  }
}

class Distributed2 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::TempDir());
    root_ = new std::string(testing::WriteSyntheticCorpus(*dir_));
    config_ = new std::string(testing::WriteTinyConfig(*dir_));
  }
  // One thread per rank, so 2 ranks take what one 1-thread process takes per micro-batch and the
  // reduction order inside each kernel is the same in both runs.
  static std::string TrainArgs(const std::string& out) {
    return "train --config '" + *config_ + "' --data-root '" + *root_ + "' --out '" + out +
           "' --threads 1";
  }
  static std::string* dir_;
  static std::string* root_;
  static std::string* config_;
};
std::string* Distributed2::dir_ = nullptr;
std::string* Distributed2::root_ = nullptr;
std::string* Distributed2::config_ = nullptr;

// One test (ctest runs each in its own process): the 2-rank run is compared with the 1-process
// run, then with a 2-rank run killed and resumed.
TEST_F(Distributed2, TwoRanksEqualOneProcessAccumulatingTwoMicroBatchesAndResumeAfterAKill) {
  const std::string ddp = *dir_ + "/ddp";
  auto d = testing::RunAntispoof("launch -n 2 -- " + TrainArgs(ddp));
  ASSERT_EQ(d.exit_code, 0) << d.err;
  const std::string ref = *dir_ + "/accum";
  auto r = testing::RunAntispoof(TrainArgs(ref) + " --set grad_accum=2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 24 utterances, batch 4 = 2 ranks x 2: 6 steps per epoch, 2 epochs.
  const double last = MaxAbsDiff(ddp + "/last.pth", ref + "/last.pth");
  const double best = MaxAbsDiff(ddp + "/best.pth", ref + "/best.pth");
  std::printf(
      "max |2 ranks - 1 process x 2 micro-batches| after 12 steps: last.pth %.3g, best.pth %.3g\n",
      last, best);
  RecordProperty("max_abs_weight_diff", std::to_string(last));
  EXPECT_LE(last, 1e-5);
  EXPECT_LE(best, 1e-5);
  ExpectSameCsv(ddp + "/train_log.csv", ref + "/train_log.csv", 1e-6, false);
  ExpectSameCsv(ddp + "/epochs.csv", ref + "/epochs.csv", 1e-6, true);
  auto run = nlohmann::json::parse(ReadFile(ddp + "/run.json"));
  EXPECT_EQ(run["world_size"], 2);
  EXPECT_EQ(run["dist_backend"], "gloo");
  EXPECT_EQ(run["threads"], 1);
  auto s_ddp = nlohmann::json::parse(ReadFile(ddp + "/summary.json"));
  auto s_ref = nlohmann::json::parse(ReadFile(ref + "/summary.json"));
  EXPECT_EQ(s_ddp["best_epoch"], s_ref["best_epoch"]);
  EXPECT_NEAR(s_ddp["best_dev_eer"].get<double>(), s_ref["best_dev_eer"].get<double>(), 1e-12);
  EXPECT_EQ(s_ddp["epochs_done"], 2);
  EXPECT_EQ(nlohmann::json::parse(d.out), s_ddp);  // launch passes rank 0's stdout through

  const std::string out = *dir_ + "/ddp_killed";
  // Rank 1 is SIGKILLed after step 8 (of 12, in the second epoch): launch stops rank 0 and names
  // rank 1.
  auto killed = testing::RunShell("ANTISPOOF_KILL_AT_ITERATION=8 ANTISPOOF_KILL_RANK=1 '" +
                                  testing::BinaryPath() + "' launch -n 2 -- " + TrainArgs(out));
  EXPECT_EQ(killed.exit_code, 1) << killed.err;
  EXPECT_THAT(killed.err, HasSubstr("rank 1 of 2 was killed by signal 9"));
  EXPECT_THAT(killed.err, HasSubstr("[rank 1] "));
  auto resumed = testing::RunAntispoof("launch -n 2 -- " + TrainArgs(out) + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_THAT(resumed.err, HasSubstr("[rank 1] resuming"));
  EXPECT_EQ(MaxAbsDiff(ddp + "/last.pth", out + "/last.pth"), 0.0);
  ExpectSameCsv(ddp + "/epochs.csv", out + "/epochs.csv", 0, true);
  EXPECT_EQ(ReadFile(ddp + "/train_log.csv"), ReadFile(out + "/train_log.csv"));
}

// AASIST on the same c10d path: 2 ranks equal one process accumulating 2 micro-batches per step.
TEST_F(Distributed2, TwoAasistRanksEqualOneProcessAccumulatingTwoMicroBatches) {
  const std::string config = testing::WriteTinyAasistConfig(*dir_);
  auto args = [&](const std::string& out) {
    return "train --config '" + config + "' --data-root '" + *root_ + "' --out '" + out + "' --threads 1";
  };
  const std::string ddp = *dir_ + "/aasist_ddp", ref = *dir_ + "/aasist_accum";
  auto d = testing::RunAntispoof("launch -n 2 -- " + args(ddp));
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto r = testing::RunAntispoof(args(ref) + " --set grad_accum=2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double last = MaxAbsDiff(ddp + "/last.pth", ref + "/last.pth");
  std::printf("AASIST: max |2 ranks - 1 process x 2 micro-batches| after 12 steps: %.3g\n", last);
  EXPECT_LE(last, 1e-5);
  ExpectSameCsv(ddp + "/train_log.csv", ref + "/train_log.csv", 1e-6, false);
  ExpectSameCsv(ddp + "/epochs.csv", ref + "/epochs.csv", 1e-6, true);
  EXPECT_EQ(nlohmann::json::parse(ReadFile(ddp + "/run.json"))["world_size"], 2);
}

// Rank 1 runs in the background with `rank1_env`; returns rank 0's result and its wall time.
struct RankZero {
  testing::CommandResult result;
  double seconds;
};
RankZero RunPair(const std::string& args, const std::string& rank1_env, double timeout_s) {
  const int port = FreeTcpPort();
  const std::string bin = "'" + testing::BinaryPath() + "' ";
  const std::string common = args + " --world-size 2 --master-addr 127.0.0.1 --master-port " +
                             std::to_string(port) + " --dist-timeout " + std::to_string(timeout_s);
  const auto t0 = Clock::now();
  RankZero r0;
  // Rank 0 in the foreground; rank 1 (killed or stopped by its hook) is SIGKILLed afterwards.
  r0.result = testing::RunShell(
      rank1_env + " " + bin + common + " --rank 1 >/dev/null 2>&1 & pid=$!; " + bin + common +
      " --rank 0; rc=$?; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; exit $rc");
  r0.seconds = Seconds(t0);
  return r0;
}

TEST_F(Distributed2, ADeadRankStopsTheOtherWithAMessage) {
  auto r = RunPair(TrainArgs(*dir_ + "/dead"), "ANTISPOOF_KILL_AT_ITERATION=2", 60);
  EXPECT_EQ(r.result.exit_code, 1) << r.result.err;
  EXPECT_THAT(r.result.err, HasSubstr("rank 0 of 2: "));
  // Rank 1 dies right after step 2; rank 0's next collective is the interrupt check of that step.
  EXPECT_THAT(r.result.err, HasSubstr("checking for an interrupt after iteration 2 failed"));
  EXPECT_LT(r.seconds, 60);
  std::printf("dead rank: rank 0 stopped after %.1f s: %s", r.seconds,
              r.result.err.substr(r.result.err.rfind("antispoof: error")).c_str());
}

TEST_F(Distributed2, AStalledRankStopsTheOtherAtTheTimeout) {
  // SIGSTOP: rank 1's connections stay open but it never answers again.
  auto r = RunPair(TrainArgs(*dir_ + "/stalled"),
                   "ANTISPOOF_KILL_AT_ITERATION=2 ANTISPOOF_KILL_SIGNAL=19", 3);
  EXPECT_EQ(r.result.exit_code, 1) << r.result.err;
  EXPECT_THAT(r.result.err, HasSubstr("rank 0 of 2: "));
  EXPECT_THAT(r.result.err, HasSubstr("--dist-timeout 3 s"));
  EXPECT_LT(r.seconds, 40);
  std::printf("stalled rank: rank 0 stopped after %.1f s\n", r.seconds);
}

TEST_F(Distributed2, RankAndWorldSizeComeFromTheEnvironmentAndMustAgreeWithFlags) {
  auto bad = testing::RunShell("WORLD_SIZE=2 RANK=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 '" +
                               testing::BinaryPath() + "' " + TrainArgs(*dir_ + "/env"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("--rank (RANK) 2 is outside the world of size 2"));
  auto clash = testing::RunShell("RANK=0 '" + testing::BinaryPath() + "' " +
                                 TrainArgs(*dir_ + "/env") + " --rank 1");
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_THAT(clash.err, HasSubstr("--rank 1 disagrees with the environment variable RANK=0"));
  auto odd = testing::RunAntispoof("launch -n 3 -- " + TrainArgs(*dir_ + "/odd"));
  EXPECT_EQ(odd.exit_code, 1);
  EXPECT_THAT(odd.err, HasSubstr("batch_size 4 does not split over world size 3"));
  EXPECT_THAT(odd.err, HasSubstr("antispoof launch: rank "));
}

// Dev scoring sharded over 2 ranks (threads of this process) gives every rank the items, loss and
// EER of one process scoring the whole split.
TEST_F(Distributed2, ShardedScoringEqualsOneProcess) {
  Config config = LoadConfig(*config_);
  auto protocol = data::ReadProtocol(data::FindProtocol(*root_, data::Split::kDev));
  data::DatasetOptions dopt;
  dopt.split = data::Split::kDev;
  auto items = data::BuildDataset(protocol, *root_, dopt).items;
  auto make_model = [&] {
    torch::manual_seed(3);
    model::RawNet2 net(config.model);
    return net;
  };
  data::LoaderOptions lo;
  lo.batch_size = 5;
  lo.shuffle = false;
  lo.num_workers = 0;
  lo.nb_samp = config.model.nb_samp;
  auto single_net = make_model();
  data::BatchLoader single_loader(items, lo);
  ScoringResult single = ScoreWithLoader(*single_net, single_loader, torch::kCPU, "dev");
  std::vector<model::RawNet2> nets = {make_model(), make_model()};
  std::vector<ScoringResult> sharded(2);
  const std::string store = *dir_ + "/score_store";
  const std::vector<std::string> errors = testing::RunAsThreads(2, [&](int rank) {
    auto dist = testing::FileStoreRank(store, rank, 2, 60);
    data::LoaderOptions shard = lo;
    shard.rank = rank;
    shard.world_size = 2;
    data::BatchLoader loader(items, shard);
    sharded[rank] = ScoreSharded(*dist, *nets[rank], loader, torch::kCPU, "dev", {0.1, 0.9});
  });
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  auto eer = [](const ScoringResult& s) {
    std::vector<double> bona, spoof;
    for (const auto& it : s.items) (it.label == 1 ? bona : spoof).push_back(it.score);
    return metrics::ComputeEer(bona, spoof).eer;
  };
  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(sharded[r].items.size(), single.items.size());
    for (size_t i = 0; i < single.items.size(); ++i) {
      EXPECT_EQ(sharded[r].items[i].utt, single.items[i].utt);
      EXPECT_EQ(sharded[r].items[i].label, single.items[i].label);
      EXPECT_NEAR(sharded[r].items[i].score, single.items[i].score, 1e-6);
      EXPECT_EQ(sharded[r].items[i].score, sharded[0].items[i].score);  // every rank the same bits
    }
    EXPECT_NEAR(sharded[r].weighted_loss, single.weighted_loss, 1e-6);
    EXPECT_EQ(eer(sharded[r]), eer(single));
    EXPECT_EQ(Accuracy(sharded[r].items), Accuracy(single.items));
  }
}

}  // namespace
}  // namespace antispoof::train
