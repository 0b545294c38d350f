// precision: int8 (model/quantized.h): the int8 linear map and GRU against their float32
// definitions, RawNet2 scoring in int8 against fp32, and where int8 is refused.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "antispoof/config/config.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/model/precision.h"
#include "antispoof/model/quantized.h"
#include "support/test_support.h"

namespace antispoof::model {
namespace {

#define SKIP_WITHOUT_INT8() \
  if (!Int8Available()) GTEST_SKIP() << "this LibTorch has no FBGEMM or oneDNN quantized engine"

double RelativeError(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm()).item<double>();
}

TEST(Int8, LinearFollowsItsFloatDefinition) {
  SKIP_WITHOUT_INT8();
  torch::manual_seed(1);
  auto w = torch::randn({96, 64}) * 0.05;
  w[7].zero_();  // a zero row gets a usable scale and gives exactly the bias
  const auto b = torch::randn({96});
  for (int64_t m : {1, 5, 40}) {
    const auto x = torch::randn({m, 64});
    const auto y = Int8Linear(w, b)(x), ref = torch::addmm(b, x, w.t());
    ASSERT_EQ(y.sizes(), ref.sizes());
    EXPECT_EQ(y.scalar_type(), torch::kFloat);
    const double err = RelativeError(y, ref);
    EXPECT_GT(err, 1e-6) << "m " << m << ": not computed in int8";
    EXPECT_LT(err, 3e-2) << "m " << m;
    EXPECT_TRUE(torch::allclose(y.select(1, 7), b[7].expand({m}), 1e-5, 1e-5)) << "m " << m;
  }
  // Without a bias: x w^T alone.
  const auto x = torch::randn({3, 64});
  EXPECT_LT(RelativeError(Int8Linear(w, torch::Tensor())(x), x.mm(w.t())), 3e-2);
}

// nn::GRU's outputs at every step, batch first and time major, one sequence and several.
TEST(Int8, GruFollowsNnGru) {
  SKIP_WITHOUT_INT8();
  torch::NoGradGuard no_grad;
  for (bool batch_first : {true, false}) {
    for (int64_t batch : {1, 4}) {
      torch::manual_seed(3);
      auto gru = torch::nn::GRU(torch::nn::GRUOptions(40, 56).num_layers(3).batch_first(batch_first));
      const auto x = batch_first ? torch::randn({batch, 17, 40}) : torch::randn({17, batch, 40});
      const auto ref = std::get<0>(gru(x));
      const auto y = Int8Gru(*gru)(x);
      ASSERT_EQ(y.sizes(), ref.sizes());
      const double err = RelativeError(y, ref);
      EXPECT_GT(err, 1e-6) << batch_first << " " << batch;
      EXPECT_LT(err, 3e-2) << batch_first << " " << batch;
    }
  }
}

Config SmallModel(const std::string& file) {
  Config c = LoadConfig(testing::SourceDir() + "/conf/" + file);
  c.model.nb_samp = 16000;
  return c;
}

// RawNet2's scores in int8 follow fp32's, and fp32 is exact again once it is set back.
TEST(Int8, RawNet2ScoresFollowFp32AndFp32StaysExact) {
  SKIP_WITHOUT_INT8();
  torch::manual_seed(2);
  Countermeasure net = CreateModel(SmallModel("rawnet2.yaml").model);
  net->eval();
  torch::NoGradGuard no_grad;
  for (int64_t batch : {1, 3}) {
    const auto x = torch::randn({batch, 16000}) * 0.1;
    net->SetPrecision(Precision::kFp32);
    const auto ref = net->forward(x);
    net->SetPrecision(Precision::kInt8);
    const auto low = net->forward(x);
    EXPECT_EQ(low.scalar_type(), torch::kFloat);
    const double diff = (low - ref).abs().max().item<double>();
    EXPECT_GT(diff, 0.0) << "int8 changed nothing at batch " << batch;
    EXPECT_LT(diff, 0.05 + 0.05 * ref.abs().max().item<double>()) << "batch " << batch;
    net->SetPrecision(Precision::kFp32);
    EXPECT_TRUE(torch::equal(net->forward(x), ref)) << "batch " << batch;
  }
}

TEST(Int8, RefusedForTrainingForAasistAndOffTheCpu) {
  SKIP_WITHOUT_INT8();
  torch::manual_seed(2);
  Countermeasure rawnet2 = CreateModel(SmallModel("rawnet2.yaml").model);
  rawnet2->SetPrecision(Precision::kInt8);
  const auto x = torch::randn({2, 16000}) * 0.1;
  std::string e = testing::ErrorMessageOf([&] { rawnet2->forward(x); });  // grad mode on: a training forward
  EXPECT_NE(e.find("precision: int8 has no backward"), std::string::npos) << e;

  Countermeasure aasist = CreateModel(SmallModel("aasist.yaml").model);
  e = testing::ErrorMessageOf([&] { aasist->SetPrecision(Precision::kInt8); });
  EXPECT_NE(e.find("precision: int8"), std::string::npos) << e;
  EXPECT_NE(e.find("AASIST"), std::string::npos) << e;
  EXPECT_EQ(aasist->precision(), Precision::kFp32);

  e = testing::ErrorMessageOf([] { CheckPrecisionSupported(Precision::kInt8, torch::Device("cuda:0")); });
  EXPECT_NE(e.find("precision: int8 runs on the CPU only"), std::string::npos) << e;
  EXPECT_EQ(ParseConfig("precision: int8\n", "p.yaml").train.precision, Precision::kInt8);
}

}  // namespace
}  // namespace antispoof::model
