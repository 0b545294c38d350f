// Data-parallel pieces that need no training: flag/environment resolution, the sharded sampler and
// its micro-batch equivalence, and the collectives of a 2-rank group in one process (two threads,
// a FileStore).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/data/loader.h"
#include "antispoof/train/distributed.h"
#include "support/file_store_rank.h"
#include "support/test_support.h"

namespace antispoof::train {
namespace {

using ::antispoof::testing::ErrorMessageOf;

using ::testing::HasSubstr;

EnvLookup Env(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(DistOptions, DefaultIsOneProcess) {
  DistOptions o = ResolveDistOptions({}, Env({}));
  EXPECT_EQ(o.world_size, 1);
  EXPECT_EQ(o.rank, 0);
  EXPECT_EQ(o.local_world_size, 1);
  EXPECT_EQ(o.timeout_s, 300);
}

TEST(DistOptions, ReadsTheTorchrunEnvironment) {
  DistOptions o = ResolveDistOptions({}, Env({{"WORLD_SIZE", "4"},
                                              {"RANK", "3"},
                                              {"MASTER_ADDR", "node0"},
                                              {"MASTER_PORT", "29500"},
                                              {"LOCAL_RANK", "1"},
                                              {"LOCAL_WORLD_SIZE", "2"}}));
  EXPECT_EQ(o.world_size, 4);
  EXPECT_EQ(o.rank, 3);
  EXPECT_EQ(o.master_addr, "node0");
  EXPECT_EQ(o.master_port, 29500);
  EXPECT_EQ(o.local_rank, 1);
  EXPECT_EQ(o.local_world_size, 2);
  EXPECT_EQ(ThreadsForRank(3, o), 3);
  EXPECT_EQ(ThreadsForRank(0, o),
            std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2));
  EXPECT_EQ(DeviceForRank("cuda", o), "cuda:1");
  EXPECT_EQ(DeviceForRank("cuda:0", o), "cuda:0");
  EXPECT_EQ(DeviceForRank("cpu", o), "cpu");
}

TEST(DistOptions, FlagsWinOverAnEmptyEnvironmentAndMustAgreeWithASetOne) {
  DistOptions flags;
  flags.world_size = 2;
  flags.rank = 1;
  flags.master_addr = "127.0.0.1";
  flags.master_port = 1234;
  DistOptions o = ResolveDistOptions(flags, Env({{"RANK", "1"}}));
  EXPECT_EQ(o.rank, 1);
  EXPECT_EQ(o.master_port, 1234);
  std::string e = ErrorMessageOf([&] { ResolveDistOptions(flags, Env({{"RANK", "0"}})); });
  EXPECT_THAT(e, HasSubstr("--rank 1"));
  EXPECT_THAT(e, HasSubstr("RANK=0"));
  e = ErrorMessageOf([&] { ResolveDistOptions(flags, Env({{"MASTER_ADDR", "other"}})); });
  EXPECT_THAT(e, HasSubstr("MASTER_ADDR"));
}

TEST(DistOptions, BadValuesNameTheFlagAndTheVariable) {
  EXPECT_THAT(ErrorMessageOf([] {
                ResolveDistOptions({}, Env({{"WORLD_SIZE", "two"}}));
              }),
              HasSubstr("WORLD_SIZE='two'"));
  EXPECT_THAT(ErrorMessageOf([] {
                ResolveDistOptions({}, Env({{"WORLD_SIZE", "0"}}));
              }),
              HasSubstr("--world-size"));
  EXPECT_THAT(
      ErrorMessageOf([] {
        ResolveDistOptions(
            {},
            Env({{"WORLD_SIZE", "2"}, {"RANK", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}));
      }),
      HasSubstr("--rank (RANK) 2 is outside the world of size 2"));
  EXPECT_THAT(ErrorMessageOf([] {
                ResolveDistOptions({}, Env({{"WORLD_SIZE", "2"}}));
              }),
              HasSubstr("MASTER_ADDR"));
  EXPECT_THAT(ErrorMessageOf([] {
                ResolveDistOptions({}, Env({{"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}));
              }),
              HasSubstr("--master-port (MASTER_PORT)"));
  EXPECT_THAT(ErrorMessageOf([] {
                ResolveDistOptions({}, Env({{"MASTER_PORT", "70000"}}));
              }),
              HasSubstr("70000"));
  DistOptions bad_timeout;
  bad_timeout.timeout_s = 0;
  EXPECT_THAT(ErrorMessageOf([&] { ResolveDistOptions(bad_timeout, Env({})); }),
              HasSubstr("--dist-timeout"));
  DistOptions file;
  file.world_size = 2;
  file.rank = 0;
  file.init_file = "/tmp/x";
  EXPECT_EQ(ResolveDistOptions(file, Env({})).init_file, "/tmp/x");  // no address needed
}

std::vector<data::Item> Items(int n) {
  std::vector<data::Item> items(n);
  for (int i = 0; i < n; ++i) items[i].utt = "U" + std::to_string(i);
  return items;
}

data::LoaderOptions Sharded(int64_t batch, int rank, int world) {
  data::LoaderOptions o;
  o.batch_size = batch;
  o.shuffle = true;
  o.seed = 77;
  o.drop_last = true;
  o.num_workers = 0;
  o.rank = rank;
  o.world_size = world;
  return o;
}

TEST(Sampler, ShardsAreDisjointCoverTheEpochAndReshuffleEachEpoch) {
  for (int world : {2, 3}) {
    for (int n : {24, 25, 29}) {
      for (int64_t epoch : {1, 2}) {
        std::set<int64_t> seen;
        size_t total = 0;
        for (int r = 0; r < world; ++r) {
          data::BatchLoader loader(Items(n), Sharded(2, r, world));
          auto shard = loader.EpochOrder(epoch);
          EXPECT_EQ(static_cast<int>(shard.size()), n / world);  // drop_last: equal shards
          EXPECT_EQ(loader.NumBatches(), (n / world) / 2);
          for (auto i : shard)
            EXPECT_TRUE(seen.insert(i).second) << "item " << i << " in two shards";
          total += shard.size();
        }
        // Together: the first world * floor(n / world) positions of the seeded permutation.
        auto perm = data::EpochPermutation(n, 77, epoch);
        std::set<int64_t> expected(perm.begin(), perm.begin() + world * (n / world));
        EXPECT_EQ(seen, expected) << "world " << world << ", n " << n;
        EXPECT_EQ(total, expected.size());
      }
    }
  }
  data::BatchLoader a(Items(24), Sharded(2, 0, 2));
  EXPECT_NE(a.EpochOrder(1), a.EpochOrder(2));
}

// Micro-batch (r, m) of global batch k, whatever the factorisation W x M: the same items, in the
// same order, with r + W m the micro-batch's offset and stride W M.
TEST(Sampler, RanksTimesMicroBatchesIsOneFactorisation) {
  const int n = 40, step_batch = 8;
  std::map<std::pair<int, int>, std::vector<std::vector<int64_t>>>
      micro;  // (W, M) -> micro-batches
  for (auto [world, accum] : std::vector<std::pair<int, int>>{{1, 4}, {2, 2}, {4, 1}, {1, 1}}) {
    for (int r = 0; r < world; ++r) {
      data::BatchLoader loader(Items(n), Sharded(step_batch / world, r, world));
      auto order = torch::tensor(loader.EpochOrder(3), torch::kInt64);
      ASSERT_EQ(loader.NumBatches(), n / step_batch);
      for (int64_t k = 0; k < loader.NumBatches(); ++k) {
        auto batch = order.narrow(0, k * (step_batch / world), step_batch / world);
        for (int m = 0; m < accum; ++m) {
          auto mb = MicroBatch(batch, m, accum).contiguous();
          auto& slots = micro[{world, accum}];
          slots.resize(n / step_batch * world * accum);
          // Slot of micro-batch (k, offset r + W m).
          slots[k * world * accum + r + world * m] =
              std::vector<int64_t>(mb.data_ptr<int64_t>(), mb.data_ptr<int64_t>() + mb.numel());
        }
      }
    }
  }
  auto of = [&](int world, int accum) { return micro[{world, accum}]; };
  EXPECT_EQ(of(1, 4), of(2, 2));
  EXPECT_EQ(of(1, 4), of(4, 1));
  // And one step's micro-batches together are the single process's batch k.
  for (int k = 0; k < n / step_batch; ++k) {
    std::set<int64_t> joined;
    for (int s = 0; s < 4; ++s)
      for (auto i : micro[{2, 2}][k * 4 + s]) joined.insert(i);
    std::set<int64_t> whole(micro[{1, 1}][k].begin(), micro[{1, 1}][k].end());
    EXPECT_EQ(joined, whole);
  }
}

TEST(Distributed, OneProcessCollectivesAreTheIdentity) {
  auto dist = Distributed::Create(ResolveDistOptions({}, Env({})), torch::kCPU);
  EXPECT_EQ(dist->world_size(), 1);
  EXPECT_TRUE(dist->is_writer());
  auto t = torch::tensor({2.0f, 4.0f});
  dist->AllReduceMean({t}, 2, "test");
  EXPECT_TRUE(torch::equal(t, torch::tensor({1.0f, 2.0f})));
  EXPECT_EQ(dist->AllReduceSum(3.5, "test"), 3.5);
  dist->CheckSame({1.0, std::nan("")}, "test");
}

// Two ranks as two threads of this process, meeting in a FileStore.
TEST(Distributed, TwoRanksAverageGatherAndCompare) {
  const std::string store = testing::TempDir() + "/store";
  std::vector<std::vector<torch::Tensor>> reduced(2);
  std::vector<std::vector<torch::Tensor>> gathered(2);
  std::vector<std::string> mismatch(2);
  const std::vector<std::string> errors = testing::RunAsThreads(2, [&](int rank) {
    auto dist = testing::FileStoreRank(store, rank, 2, 30, 40.0 / (1024 * 1024));  // 40-byte buckets: several
    std::vector<torch::Tensor> ts = {torch::full({3}, 1.0f + rank),
                                     torch::full({2, 5}, 10.0f * (rank + 1)),
                                     torch::full({4}, rank ? 3.0 : 1.0, torch::kFloat64)};
    dist->AllReduceMean(ts, 2, "test all-reduce");
    reduced[rank] = ts;
    EXPECT_EQ(dist->AllReduceSum(rank + 1.5, "test sum"), 4.0);
    // Rank 0 has 3 rows, rank 1 has 2 (variable lengths).
    auto rows = torch::arange(rank ? 4 : 6, torch::kFloat64).reshape({-1, 2}) + 100 * rank;
    gathered[rank] = dist->AllGatherRows(rows, "test gather");
    dist->CheckSame({1.0, 2.0}, "equal values");
    mismatch[rank] = ErrorMessageOf([&] { dist->CheckSame({1.0, rank + 0.0}, "the test values"); });
    dist->Barrier("test end");
  });
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  for (int r = 0; r < 2; ++r) {
    EXPECT_TRUE(torch::equal(reduced[r][0], torch::full({3}, 1.5f)));
    EXPECT_TRUE(torch::equal(reduced[r][1], torch::full({2, 5}, 15.0f)));
    EXPECT_TRUE(torch::equal(reduced[r][2], torch::full({4}, 2.0, torch::kFloat64)));
    ASSERT_EQ(gathered[r].size(), 2u);
    EXPECT_TRUE(torch::equal(gathered[r][0], torch::arange(6, torch::kFloat64).reshape({3, 2})));
    EXPECT_TRUE(
        torch::equal(gathered[r][1], torch::arange(4, torch::kFloat64).reshape({2, 2}) + 100));
    EXPECT_THAT(mismatch[r], HasSubstr("the test values differs between rank"));
  }
}

}  // namespace
}  // namespace antispoof::train
