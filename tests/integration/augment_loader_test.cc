// Augmentation through the real BatchLoader: the same seed gives the same augmented batches whatever
// the number of worker threads, another seed or epoch other ones, and a pipeline that applies
// nothing leaves the batches bit-identical to the plain loader's.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include "antispoof/augment/augment.h"
#include "antispoof/data/loader.h"
#include "support/synthetic_corpus.h"
#include "support/test_support.h"

namespace antispoof {
namespace {

namespace fs = std::filesystem;

class AugmentLoaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = testing::TempDir() + "/augment_loader";
    const std::string la = testing::WriteSyntheticCorpus(dir);
    items_ = new std::vector<data::Item>();
    std::vector<std::string> paths;
    for (const auto& e : fs::directory_iterator(la + "/ASVspoof2019_LA_train/flac")) paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    for (size_t i = 0; i < paths.size(); ++i)
      items_->push_back({fs::path(paths[i]).stem().string(), paths[i], i % 3 == 0 ? TrialKey::kBonafide : TrialKey::kSpoof, ""});
  }
  static void TearDownTestSuite() { delete items_; }

  static augment::AugmentConfig Everything() {
    augment::AugmentConfig c;
    c.rawboost.enabled = true;
    c.codec.enabled = true;
    c.codec.codecs = {"g711a", "g722", "gsm", "opus_16k", "mp3_32k"};
    c.codec.p = 0.5;
    c.gain.enabled = true;
    c.speed.enabled = true;
    c.speed.p = 0.5;
    c.noise.enabled = true;
    c.noise.p = 0.5;
    return c;
  }

  static data::LoaderOptions Options(uint64_t seed, int workers, const augment::AugmentConfig* config) {
    data::LoaderOptions o;
    o.batch_size = 4;
    o.shuffle = true;
    o.seed = seed;
    o.drop_last = true;
    o.num_workers = workers;
    o.nb_samp = 6000;
    if (config) {
      auto aug = std::make_shared<const augment::Augmenter>(*config, 16000);
      o.transform = [aug](std::vector<float>& x, const data::Item& item, uint64_t s) {
        aug->Apply(x, augment::ItemSeed(s, item.utt));
      };
    }
    return o;
  }

  // Every batch of an epoch, stacked: [N, nb_samp].
  static torch::Tensor Epoch(const data::LoaderOptions& o, int64_t epoch) {
    data::BatchLoader loader(*items_, o);
    loader.StartEpoch(epoch);
    std::vector<torch::Tensor> rows;
    while (auto b = loader.Next()) rows.push_back(b->audio);
    return torch::cat(rows);
  }

  static std::vector<data::Item>* items_;
};
std::vector<data::Item>* AugmentLoaderTest::items_ = nullptr;

TEST_F(AugmentLoaderTest, SameSeedSameAugmentedBatchesWhateverTheWorkers) {
  const augment::AugmentConfig c = Everything();
  const torch::Tensor one = Epoch(Options(7, 1, &c), 0);
  const torch::Tensor three = Epoch(Options(7, 3, &c), 0);
  EXPECT_TRUE(torch::equal(one, three));
  EXPECT_TRUE(torch::isfinite(one).all().item<bool>());
  EXPECT_FALSE(torch::equal(one, Epoch(Options(7, 0, nullptr), 0)));  // it did augment
}

TEST_F(AugmentLoaderTest, OtherSeedOrEpochOtherAugmentation) {
  const augment::AugmentConfig c = Everything();
  data::LoaderOptions a = Options(7, 2, &c), b = Options(8, 2, &c);
  a.shuffle = b.shuffle = false;  // the same items in the same places: only the augmentation differs
  const torch::Tensor ea = Epoch(a, 0);
  EXPECT_FALSE(torch::equal(ea, Epoch(b, 0)));
  EXPECT_FALSE(torch::equal(ea, Epoch(a, 1)));
  EXPECT_TRUE(torch::equal(ea, Epoch(a, 0)));
}

TEST_F(AugmentLoaderTest, NothingAppliedLeavesTheBatchesBitIdentical) {
  augment::AugmentConfig c = Everything();
  c.rawboost.p = c.codec.p = c.gain.p = c.speed.p = c.noise.p = 0;
  EXPECT_TRUE(torch::equal(Epoch(Options(7, 2, &c), 0), Epoch(Options(7, 2, nullptr), 0)));
}

}  // namespace
}  // namespace antispoof
