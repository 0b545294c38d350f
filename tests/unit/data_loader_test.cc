#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"
#include "antispoof/data/loader.h"
#include "support/test_support.h"

namespace antispoof::data {
namespace {

using ::testing::HasSubstr;

// n files of varying length; item i's samples are k/32768 for k = 100 * (i + 1) + position.
std::vector<Item> MakeItems(const std::string& dir, int n) {
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    std::vector<float> x(5 + (i * 7) % 13);
    for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(100 * (i + 1) + k) / 32768.0f;
    std::string utt = "U" + std::to_string(i);
    std::string path = dir + "/" + utt + ".flac";
    audio::WriteAudio(path, x, 16000);
    items.push_back(Item{utt, path, i % 3 == 0 ? kBonafide : kSpoof, i % 3 == 0 ? "-" : "A0" + std::to_string(i % 6)});
  }
  return items;
}

struct Epoch {
  std::vector<std::vector<std::string>> utts;
  std::vector<torch::Tensor> audio;
  std::vector<torch::Tensor> labels;
};

Epoch Collect(BatchLoader& loader, int64_t epoch) {
  Epoch out;
  loader.StartEpoch(epoch);
  while (auto b = loader.Next()) {
    EXPECT_EQ(b->index, static_cast<int64_t>(out.utts.size()));
    out.utts.push_back(b->utts);
    out.audio.push_back(b->audio);
    out.labels.push_back(b->labels);
  }
  EXPECT_EQ(static_cast<int64_t>(out.utts.size()), loader.NumBatches());
  return out;
}

void ExpectSame(const Epoch& a, const Epoch& b) {
  ASSERT_EQ(a.utts, b.utts);
  for (size_t i = 0; i < a.audio.size(); ++i) {
    EXPECT_TRUE(torch::equal(a.audio[i], b.audio[i]));
    EXPECT_TRUE(torch::equal(a.labels[i], b.labels[i]));
  }
}

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override { items_ = MakeItems(antispoof::testing::TempDir(), 23); }
  LoaderOptions Options() {
    LoaderOptions o;
    o.batch_size = 5;
    o.nb_samp = 16;
    o.seed = 1234;
    o.num_workers = 2;
    o.prefetch = 2;
    return o;
  }
  std::vector<Item> items_;
};

TEST_F(LoaderTest, BatchesHoldFittedAudioLabelsAndNames) {
  LoaderOptions o = Options();
  o.shuffle = false;
  BatchLoader loader(items_, o);
  EXPECT_EQ(loader.NumBatches(), 5);
  Epoch e = Collect(loader, 0);
  ASSERT_EQ(e.utts.size(), 5u);
  EXPECT_EQ(e.utts.back().size(), 3u);  // 23 = 4 * 5 + 3
  EXPECT_EQ(e.audio[0].sizes(), (std::vector<int64_t>{5, 16}));
  EXPECT_EQ(e.audio[0].dtype(), torch::kFloat32);
  EXPECT_EQ(e.labels[0].dtype(), torch::kInt64);
  EXPECT_EQ(e.utts[0][1], "U1");
  EXPECT_EQ(e.labels[0][0].item<int64_t>(), 1);
  EXPECT_EQ(e.labels[0][1].item<int64_t>(), 0);
  // U1 has 12 samples: 200..211, then tiled from the start.
  std::vector<float> expected;
  for (int k = 0; k < 16; ++k) expected.push_back(static_cast<float>(200 + k % 12) / 32768.0f);
  torch::Tensor row = e.audio[0][1].contiguous();
  EXPECT_EQ(std::vector<float>(row.data_ptr<float>(), row.data_ptr<float>() + 16), expected);
}

TEST_F(LoaderTest, SameSeedSameBatchesDifferentSeedOrEpochDifferentOrder) {
  BatchLoader a(items_, Options());
  BatchLoader b(items_, Options());
  ExpectSame(Collect(a, 0), Collect(b, 0));
  ExpectSame(Collect(a, 3), Collect(b, 3));
  EXPECT_NE(Collect(a, 0).utts, Collect(a, 1).utts);
  LoaderOptions other = Options();
  other.seed = 99;
  BatchLoader c(items_, other);
  EXPECT_NE(Collect(a, 0).utts, Collect(c, 0).utts);
  // A permutation of every item.
  std::multiset<std::string> seen;
  for (const auto& batch : Collect(c, 0).utts) seen.insert(batch.begin(), batch.end());
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 23u);
}

TEST_F(LoaderTest, PermutationIsAPureFunctionOfSeedAndEpoch) {
  EXPECT_EQ(EpochPermutation(1000, 1234, 7), EpochPermutation(1000, 1234, 7));
  EXPECT_NE(EpochPermutation(1000, 1234, 7), EpochPermutation(1000, 1234, 8));
  std::vector<int64_t> p = EpochPermutation(1000, 1, 0);
  std::sort(p.begin(), p.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(p[i], i);
  EXPECT_TRUE(EpochPermutation(0, 1, 0).empty());
}

TEST_F(LoaderTest, DropLastDropsThePartialBatch) {
  LoaderOptions o = Options();
  o.drop_last = true;
  BatchLoader loader(items_, o);
  EXPECT_EQ(loader.NumBatches(), 4);
  Epoch e = Collect(loader, 0);
  ASSERT_EQ(e.utts.size(), 4u);
  for (const auto& b : e.utts) EXPECT_EQ(b.size(), 5u);
}

TEST_F(LoaderTest, StartingAtABatchGivesTheRestOfTheEpoch) {
  for (int workers : {0, 2}) {
    LoaderOptions o = Options();
    o.num_workers = workers;
    BatchLoader loader(items_, o);
    Epoch full = Collect(loader, 3);
    loader.StartEpoch(3, 2);
    for (size_t i = 2; i < full.utts.size(); ++i) {
      auto b = loader.Next();
      ASSERT_TRUE(b.has_value());
      EXPECT_EQ(b->index, static_cast<int64_t>(i));
      EXPECT_EQ(b->utts, full.utts[i]);
      EXPECT_TRUE(torch::equal(b->audio, full.audio[i]));
    }
    EXPECT_FALSE(loader.Next().has_value());
    loader.StartEpoch(3, loader.NumBatches());
    EXPECT_FALSE(loader.Next().has_value());
    try {
      loader.StartEpoch(3, loader.NumBatches() + 1);
      FAIL() << "a start past the epoch's end must be refused";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("cannot start epoch 3 at batch 6"));
    }
  }
}

TEST_F(LoaderTest, WorkerCountDoesNotChangeBatches) {
  LoaderOptions o = Options();
  o.num_workers = 0;
  BatchLoader inline_loader(items_, o);
  Epoch ref = Collect(inline_loader, 2);
  for (int workers : {1, 3}) {
    for (int prefetch : {1, 4}) {
      SCOPED_TRACE(workers);
      o.num_workers = workers;
      o.prefetch = prefetch;
      BatchLoader loader(items_, o);
      ExpectSame(ref, Collect(loader, 2));
    }
  }
}

TEST_F(LoaderTest, RankShardsAreDisjointAndCoverTheEpoch) {
  for (bool drop_last : {false, true}) {
    std::multiset<std::string> all;
    std::vector<int64_t> batches;
    for (int rank = 0; rank < 3; ++rank) {
      LoaderOptions o = Options();
      o.rank = rank;
      o.world_size = 3;
      o.drop_last = drop_last;
      BatchLoader loader(items_, o);
      Epoch e = Collect(loader, 5);
      batches.push_back(e.utts.size());
      for (const auto& b : e.utts) all.insert(b.begin(), b.end());
    }
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
    if (drop_last) {
      EXPECT_EQ(all.size(), 3u * 5u);  // 7 items per rank, one full batch of 5 each
      EXPECT_EQ(batches, (std::vector<int64_t>{1, 1, 1}));
    } else {
      EXPECT_EQ(all.size(), 23u);
    }
  }
  LoaderOptions bad = Options();
  bad.rank = 3;
  bad.world_size = 3;
  EXPECT_THROW(BatchLoader(items_, bad), Error);
}

TEST_F(LoaderTest, DecodingErrorsSurfaceInOrderNamingTheFile) {
  std::string bad = antispoof::testing::TempDir() + "/broken.flac";
  std::ofstream(bad) << "not audio";
  std::vector<Item> items = items_;
  items[7].path = bad;
  LoaderOptions o = Options();
  o.shuffle = false;
  o.num_workers = 3;
  BatchLoader loader(items, o);
  loader.StartEpoch(0);
  EXPECT_TRUE(loader.Next().has_value());
  try {
    loader.Next();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(bad));
  }
  EXPECT_TRUE(loader.Next().has_value());
  // Restarting mid-epoch and destroying a loader with batches in flight are fine.
  loader.StartEpoch(1);
  loader.StartEpoch(2);
}

TEST_F(LoaderTest, TransformSeesFittedSamplesWithDeterministicSeeds) {
  LoaderOptions o = Options();
  o.transform = [](std::vector<float>& x, const Item&, uint64_t seed) {
    ASSERT_EQ(x.size(), 16u);
    x[0] = static_cast<float>(seed % 1000);
  };
  o.num_workers = 1;
  BatchLoader one(items_, o);
  o.num_workers = 3;
  BatchLoader three(items_, o);
  Epoch a = Collect(one, 0);
  ExpectSame(a, Collect(three, 0));
  EXPECT_FALSE(torch::equal(a.audio[0], Collect(three, 1).audio[0]));
  o.transform = [](std::vector<float>& x, const Item&, uint64_t) { x.push_back(0); };
  BatchLoader bad(items_, o);
  bad.StartEpoch(0);
  EXPECT_THROW(bad.Next(), Error);
}

TEST_F(LoaderTest, NextBeforeStartEpochIsAnError) {
  BatchLoader loader(items_, Options());
  EXPECT_THROW(loader.Next(), Error);
}

}  // namespace
}  // namespace antispoof::data
