#include <gtest/gtest.h>

#include <fstream>
#include <torch/torch.h>

#include "antispoof/common/error.h"
#include "antispoof/config/config.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/model/weights.h"
#include "support/test_support.h"

namespace antispoof::model {
namespace {

using ::antispoof::testing::ErrorMessageOf;

ModelConfig Small(Attention attention = Attention::kNone) {
  ModelConfig c;
  c.nb_samp = 8000;
  c.gru_node = 16;
  c.nb_fc_node = 16;
  c.group2 = {20, 32};
  c.attention = attention;
  return c;
}

TEST(Weights, SavedCheckpointLoadsBackBitExactly) {
  torch::manual_seed(11);
  RawNet2 a(Small());
  a->train();
  a(torch::randn({3, 8000}) * 0.1);  // move BN statistics off their initial values
  const std::string path = testing::TempDir() + "/w.pth";
  SaveWeights(*a, path, R"({"epoch": 3})");
  torch::manual_seed(12);
  RawNet2 b(Small());
  LoadWeights(*b, path);
  auto sa = StateDictOf(*a), sb = StateDictOf(*b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_TRUE(torch::equal(sa[i].second, sb[i].second)) << sa[i].first;
  }
  // The file is a plain PyTorch state_dict, read by the reader used for official files.
  auto raw = pth::ReadCheckpoint(path);
  EXPECT_EQ(raw.tensors.size(), sa.size());
  EXPECT_EQ(raw.tensors.front().first, "first_bn.weight");
  EXPECT_EQ(raw.metadata_json, R"({"epoch": 3})");
}

TEST(Weights, AnotherShapeIsRejectedByName) {
  RawNet2 small(Small());
  const std::string path = testing::TempDir() + "/small.pth";
  SaveWeights(*small, path, "");
  ModelConfig other = Small();
  other.gru_node = 24;
  RawNet2 big(other);
  std::string e = ErrorMessageOf([&] { LoadWeights(*big, path); });
  EXPECT_NE(e.find(path), std::string::npos) << e;
  EXPECT_NE(e.find("wrong shape: gru.weight_ih_l0 (checkpoint [48,32], model [72,32])"), std::string::npos) << e;
}

TEST(Weights, BaselineCheckpointIntoAttentionModelNamesTheMissingKeys) {
  RawNet2 base(Small());
  const std::string path = testing::TempDir() + "/base.pth";
  SaveWeights(*base, path, "");
  RawNet2 se(Small(Attention::kSe));
  std::string e = ErrorMessageOf([&] { LoadWeights(*se, path); });
  EXPECT_NE(e.find("missing keys: block0.0.channel_attention.fc1.bias"), std::string::npos) << e;
  // And the other way round: extra keys are unexpected.
  const std::string se_path = testing::TempDir() + "/se.pth";
  SaveWeights(*se, se_path, "");
  e = ErrorMessageOf([&] { LoadWeights(*base, se_path); });
  EXPECT_NE(e.find("unexpected keys: block0.0.channel_attention.fc1.weight"), std::string::npos) << e;
}

TEST(Weights, MissingOrTruncatedFileIsAClearError) {
  RawNet2 net(Small());
  std::string e = ErrorMessageOf([&] { LoadWeights(*net, "/nonexistent/x.pth"); });
  EXPECT_NE(e.find("/nonexistent/x.pth"), std::string::npos) << e;
  const std::string path = testing::TempDir() + "/t.pth";
  SaveWeights(*net, path, "");
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  e = ErrorMessageOf([&] { LoadWeights(*net, path); });
  EXPECT_NE(e.find(path), std::string::npos) << e;
}

}  // namespace
}  // namespace antispoof::model
