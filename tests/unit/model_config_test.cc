#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "antispoof/common/error.h"
#include "antispoof/config/config.h"
#include "support/test_support.h"

namespace antispoof {
namespace {

std::string Conf(const std::string& name) { return testing::SourceDir() + "/conf/" + name; }

std::string ErrorOf(const std::string& text) {
  try {
    ParseConfig(text, "test.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, ShippedBaselineHasTheReferenceValues) {
  Config c = LoadConfig(Conf("rawnet2.yaml"));
  EXPECT_EQ(c.model.nb_samp, 64600);
  EXPECT_EQ(c.model.SincTaps(), 1025);
  EXPECT_EQ(c.model.sinc_channels, 20);
  EXPECT_EQ(c.model.group2[1], 128);
  EXPECT_EQ(c.model.attention, Attention::kNone);
  EXPECT_EQ(c.model.sinc_impl, SincImpl::kFft);  // the fast exact path unless a config says direct
  EXPECT_EQ(c.model.preactivation, Preactivation::kReference);
  EXPECT_EQ(c.train.batch_size, 32);
  EXPECT_DOUBLE_EQ(c.train.lr, 1e-4);
  EXPECT_EQ(c.train.seed, 1234);
}

TEST(Config, EveryShippedConfigLoads) {
  for (const char* name : {"rawnet2.yaml", "rawnet2_icassp.yaml", "rawnet2_se.yaml", "rawnet2_se_r4.yaml",
                           "rawnet2_se_r16.yaml", "rawnet2_se_avgmax.yaml", "rawnet2_se_fixed.yaml"}) {
    EXPECT_NO_THROW(LoadConfig(Conf(name))) << name;
  }
  EXPECT_EQ(LoadConfig(Conf("rawnet2_se_avgmax.yaml")).model.se_pooling, SePooling::kAvgMax);
  EXPECT_EQ(LoadConfig(Conf("rawnet2_se_fixed.yaml")).model.preactivation, Preactivation::kFixed);
}

TEST(Config, UnknownKeysAreNamedWithTheirPath) {
  EXPECT_NE(ErrorOf("model:\n  nb_samps: 100\n").find("unknown config key 'model.nb_samps'"), std::string::npos);
  EXPECT_NE(ErrorOf("batchsize: 3\n").find("unknown config key 'batchsize'"), std::string::npos);
}

TEST(Config, MistypedValuesNameTheKey) {
  std::string e = ErrorOf("model:\n  nb_samp: lots\n");
  EXPECT_NE(e.find("test.yaml: model.nb_samp: expected an integer, got 'lots'"), std::string::npos) << e;
  e = ErrorOf("model:\n  attention: cbam\n");
  EXPECT_NE(e.find("model.attention: unknown value 'cbam'"), std::string::npos) << e;
  e = ErrorOf("model:\n  filts: [20, [20, 20]]\n");
  EXPECT_NE(e.find("model.filts"), std::string::npos) << e;
  e = ErrorOf("model:\n  nb_classes: 3\n");
  EXPECT_NE(e.find("model.nb_classes: must be 2"), std::string::npos) << e;
  e = ErrorOf("lr: -1\n");
  EXPECT_NE(e.find("lr: must be positive"), std::string::npos) << e;
  e = ErrorOf("model: [1, 2\n");
  EXPECT_NE(e.find("not valid YAML"), std::string::npos) << e;
}

TEST(Config, ReadsAasistJsonLayout) {
  const char* text = R"({
    "database_path": "./LA/", "batch_size": 24, "num_epochs": 50, "loss": "BCE",
    "model_config": {"architecture": "RawNet2", "nb_samp": 64600, "first_conv": 128,
                     "filts": [128, [128, 128], [128, 512], [512, 512]], "blocks": [2, 4],
                     "nb_fc_node": 1024, "gru_node": 1024, "nb_gru_layer": 3, "nb_classes": 2},
    "optim_config": {"optimizer": "adam", "amsgrad": "False", "base_lr": 0.0002,
                     "betas": [0.9, 0.999], "weight_decay": 0.0001, "scheduler": "none"}})";
  std::string err = ErrorOf(text);
  // "BCE" is not a loss antispoof trains with: the error must name the key.
  EXPECT_NE(err.find("loss"), std::string::npos) << err;
  std::string ok = text;
  ok.replace(ok.find("\"BCE\""), 5, "\"CE\"");
  Config c = ParseConfig(ok, "aasist.conf");
  EXPECT_EQ(c.model.sinc_channels, 128);
  EXPECT_EQ(c.model.SincTaps(), 129);
  EXPECT_EQ(c.train.batch_size, 24);
  EXPECT_DOUBLE_EQ(c.train.lr, 2e-4);
  std::string other = ok;
  other.replace(other.find("\"RawNet2\""), 9, "\"SENet\"");
  EXPECT_NE(ErrorOf(other).find("model_config.architecture: unknown architecture 'SENet' (known: RawNet2, AASIST)"),
            std::string::npos)
      << ErrorOf(other);
}

// config/AASIST-L.conf of clovaai/aasist, key for key.
constexpr const char* kPublishedAasistL = R"({
    "database_path": "./LA/",
    "asv_score_path": "ASVspoof2019_LA_asv_scores/ASVspoof2019.LA.asv.eval.gi.trl.scores.txt",
    "model_path": "./models/weights/AASIST-L.pth",
    "batch_size": 24, "num_epochs": 100, "loss": "CCE", "track": "LA", "eval_all_best": "True",
    "eval_output": "eval_scores_using_best_dev_model.txt",
    "cudnn_deterministic_toggle": "True", "cudnn_benchmark_toggle": "False",
    "model_config": {"architecture": "AASIST", "nb_samp": 64600, "first_conv": 128,
        "filts": [70, [1, 32], [32, 32], [32, 24], [24, 24]], "gat_dims": [24, 32],
        "pool_ratios": [0.4, 0.5, 0.7, 0.5], "temperatures": [2.0, 2.0, 100.0, 100.0]},
    "optim_config": {"optimizer": "adam", "amsgrad": "False", "base_lr": 0.0001, "lr_min": 0.000005,
        "betas": [0.9, 0.999], "weight_decay": 0.0001, "scheduler": "cosine"}})";

TEST(Config, ReadsThePublishedAasistConfAsTheShippedYaml) {
  Config c = ParseConfig(kPublishedAasistL, "AASIST-L.conf");
  EXPECT_EQ(c.model.architecture, Architecture::kAasist);
  EXPECT_EQ(c.model.SincTaps(), 129);
  EXPECT_EQ(c.model.aasist.sinc_channels, 70);
  EXPECT_EQ(c.model.aasist.filts[3][1], 24);
  EXPECT_EQ(c.model.aasist.gat_dims[0], 24);
  EXPECT_DOUBLE_EQ(c.model.aasist.pool_ratios[0], 0.4);
  EXPECT_DOUBLE_EQ(c.model.aasist.temperatures[2], 100.0);
  EXPECT_EQ(ToString(c.train.lr_schedule), "aasist_cosine");
  EXPECT_DOUBLE_EQ(c.train.lr_min, 5e-6);
  EXPECT_EQ(c.train.batch_size, 24);
  // The shipped YAML is the same config (the recipe and model keys; seed and log keys are antispoof's).
  Config yaml = LoadConfig(Conf("aasist_l.yaml"));
  c.train.loss = yaml.train.loss;
  c.train.amsgrad = yaml.train.amsgrad;
  c.train.optimizer = yaml.train.optimizer;
  EXPECT_EQ(ToYaml(c), ToYaml(yaml));
  // The resolved YAML round-trips, and AASIST keys are overridable like any other.
  EXPECT_EQ(ToYaml(ParseConfig(ToYaml(yaml), "resolved")), ToYaml(yaml));
  ApplyOverride(yaml, "model.freq_aug=true");
  EXPECT_TRUE(yaml.model.aasist.freq_aug);
  EXPECT_THROW(ApplyOverride(yaml, "model.gru_node=8"), Error);  // a RawNet2 key
}

TEST(Config, EachArchitectureOwnsItsKeys) {
  std::string e = ErrorOf("model:\n  architecture: AASIST\n  gru_node: 8\n");
  EXPECT_NE(e.find("unknown config key 'model.gru_node'"), std::string::npos) << e;
  e = ErrorOf("model:\n  gat_dims: [8, 8]\n");  // RawNet2 by default
  EXPECT_NE(e.find("unknown config key 'model.gat_dims'"), std::string::npos) << e;
  e = ErrorOf("model:\n  architecture: AASIST\n  filts: [70, [1, 32], [16, 32], [32, 64], [64, 64]]\n");
  EXPECT_NE(e.find("model.filts: filts[2][0] must equal filts[1][1]"), std::string::npos) << e;
  e = ErrorOf("model:\n  architecture: AASIST\n  pool_ratios: [0.5, 1.5, 0.5, 0.5]\n");
  EXPECT_NE(e.find("model.pool_ratios"), std::string::npos) << e;
  e = ErrorOf("model:\n  architecture: AASIST\n  nb_samp: 2000\n");  // (2000 - 128) / 3 / 3^6 < 1
  EXPECT_NE(e.find("model.nb_samp: too short"), std::string::npos) << e;
  // An AASIST config without its own keys gets AASIST's published defaults.
  Config d = ParseConfig("model:\n  architecture: AASIST\n", "d.yaml");
  EXPECT_EQ(d.model.first_conv, 128);
  EXPECT_EQ(d.model.aasist.gat_dims[0], 64);
  e = ErrorOf("lr_schedule: aasist_cosine\nwarmup_steps: 10\n");
  EXPECT_NE(e.find("warmup_steps"), std::string::npos) << e;
  e = ErrorOf("lr: 0.001\nlr_min: 0.01\n");
  EXPECT_NE(e.find("lr_min: must be in [0, lr]"), std::string::npos) << e;
}

TEST(Config, AasistCosineIsTheReferencesLambdaLrPerStep) {
  Config c = LoadConfig(Conf("aasist.yaml"));
  const TrainConfig& t = c.train;
  const int64_t total = 1000;
  // Step k uses the factor the reference's LambdaLR holds after k - 1 scheduler steps.
  for (int64_t k : {1, 2, 250, 500, 1000}) {
    const double factor_lr = t.lr_min + (t.lr - t.lr_min) * 0.5 * (1 + std::cos(M_PI * (k - 1) / total));
    EXPECT_DOUBLE_EQ(t.LearningRate(k, total), factor_lr) << k;
  }
  EXPECT_DOUBLE_EQ(t.LearningRate(1, total), 1e-4);
  EXPECT_GT(t.LearningRate(total, total), 5e-6);
}

TEST(Config, ResolvedYamlRoundTripsAndOverridesAreValidated) {
  Config c = LoadConfig(Conf("rawnet2_se_avgmax.yaml"));
  Config again = ParseConfig(ToYaml(c), "resolved");
  EXPECT_EQ(ToYaml(again), ToYaml(c));
  ApplyOverride(c, "model.nb_samp=32000");
  ApplyOverride(c, "lr=0.001");
  EXPECT_EQ(c.model.nb_samp, 32000);
  EXPECT_DOUBLE_EQ(c.train.lr, 1e-3);
  EXPECT_THROW(ApplyOverride(c, "model.nb_sam=1"), Error);
  EXPECT_THROW(ApplyOverride(c, "batch_size=zero"), Error);
}

TEST(Config, LearningRateScheduleIsTheReferenceByDefault) {
  Config c = LoadConfig(Conf("rawnet2.yaml"));
  EXPECT_EQ(ToString(c.train.lr_schedule), "constant");
  EXPECT_EQ(c.train.warmup_steps, 0);
  for (int64_t step : {1, 50, 1000}) EXPECT_DOUBLE_EQ(c.train.LearningRate(step, 1000), 1e-4);

  ApplyOverride(c, "lr=0.001");
  ApplyOverride(c, "warmup_steps=10");
  ApplyOverride(c, "lr_schedule=cosine");
  EXPECT_DOUBLE_EQ(c.train.LearningRate(1, 110), 1e-4);  // warm-up: lr * step / warmup_steps
  EXPECT_DOUBLE_EQ(c.train.LearningRate(5, 110), 5e-4);
  EXPECT_DOUBLE_EQ(c.train.LearningRate(10, 110), 1e-3);
  EXPECT_NEAR(c.train.LearningRate(60, 110), 5e-4, 1e-15);  // half-way through the cosine
  EXPECT_NEAR(c.train.LearningRate(110, 110), 0.0, 1e-15);
  EXPECT_GT(c.train.LearningRate(30, 110), c.train.LearningRate(90, 110));
  const std::string error =
      antispoof::testing::ErrorMessageOf([&] { ApplyOverride(c, "lr_schedule=step"); });
  EXPECT_NE(error.find("lr_schedule"), std::string::npos) << "lr_schedule=step: '" << error << "'";
  EXPECT_THROW(ApplyOverride(c, "warmup_steps=-1"), Error);
}

}  // namespace
}  // namespace antispoof
