// Exported models against antispoof's own eval-mode forward, per architecture (tiny configs, random
// weights and BatchNorm statistics): TorchScript through LibTorch's torch::jit::load (always) and
// PyTorch's torch.jit.load (when /usr/bin/python3 has torch), ONNX through ONNX's checker (always)
// and onnxruntime (when the project's .venv has it); and the official AASIST-L weights.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <set>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/config/config.h"
#include "antispoof/export/export.h"
#include "antispoof/export/onnx_export.h"
#include "antispoof/export/torchscript_export.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/model/weights.h"
#include "support/test_support.h"

namespace antispoof::exporting {
namespace {

ModelConfig TinyRawNet2() {
  ModelConfig m = ModelConfig::Defaults(Architecture::kRawNet2);
  m.nb_samp = 8000;
  m.group2 = {20, 32};
  m.group3 = {32, 32};
  m.nb_fc_node = 16;
  m.gru_node = 16;
  m.nb_gru_layer = 2;  // the layers chain
  return m;
}

ModelConfig TinyRawNet2Se() {
  ModelConfig m = TinyRawNet2();
  m.attention = Attention::kSe;
  return m;
}

// Every RawNet2 option the export branches on: avg+max attention pooling and the fixed pre-activation.
ModelConfig TinyRawNet2SeAvgMaxFixed() {
  ModelConfig m = TinyRawNet2Se();
  m.se_pooling = SePooling::kAvgMax;
  m.se_reduction = 4;
  m.preactivation = Preactivation::kFixed;
  return m;
}

ModelConfig TinyAasist() {
  ModelConfig m = ModelConfig::Defaults(Architecture::kAasist);
  m.nb_samp = 8000;
  m.aasist.filts = {{{1, 8}, {8, 8}, {8, 16}, {16, 16}}};
  m.aasist.gat_dims = {16, 8};
  return m;
}

// AASIST-L's published config (85,306 parameters) at a shorter input.
ModelConfig AasistL() {
  ModelConfig m = LoadConfig(testing::SourceDir() + "/conf/aasist_l.yaml").model;
  m.nb_samp = 16000;
  return m;
}

struct Case {
  const char* name;
  std::function<ModelConfig()> config;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

torch::Tensor Input(int64_t batch, int64_t samples, uint64_t seed) {
  torch::manual_seed(seed);
  // Speech-like scale with a slow envelope, different per row.
  torch::Tensor t = torch::arange(samples, torch::kFloat32) / 16000.0;
  torch::Tensor envelope = 0.5 + 0.5 * torch::sin(2 * M_PI * 3 * t);
  return torch::randn({batch, samples}) * 0.1 * envelope + 0.05 * torch::sin(2 * M_PI * 440 * t);
}

// The config's model in eval mode with random weights and non-trivial BatchNorm statistics and scales.
model::Countermeasure RandomModel(const ModelConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  model::Countermeasure net = model::CreateModel(config);
  torch::NoGradGuard no_grad;
  // BatchNorm statistics of real activations (one training-mode pass with momentum 1), so that no
  // layer saturates, then moved a little.
  for (auto& m : net->modules(/*include_self=*/false)) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm1dImpl*>(m.get())) bn->options.momentum(1.0);
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) bn->options.momentum(1.0);
  }
  net->train();
  net->forward(Input(4, config.nb_samp, seed + 1));
  for (auto& b : net->named_buffers()) {
    if (b.key().find("running_mean") != std::string::npos) b.value().add_(torch::randn_like(b.value()) * 0.05);
    if (b.key().find("running_var") != std::string::npos) b.value().mul_(torch::rand_like(b.value()) * 0.4 + 0.8);
  }
  for (auto& p : net->named_parameters())
    if (p.key().find("bn") != std::string::npos && p.key().find(".weight") != std::string::npos)
      p.value().uniform_(0.7, 1.3);
  net->eval();
  return net;
}

double MaxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

void WriteRaw(const std::string& path, const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  WriteFileAtomic(path, std::string(static_cast<const char*>(c.data_ptr()), c.numel() * 4));
}

torch::Tensor ReadRaw(const std::string& path, int64_t rows, int64_t cols) {
  std::string bytes = testing::Slurp(path);
  EXPECT_EQ(bytes.size(), static_cast<size_t>(rows * cols * 4)) << path;
  torch::Tensor t = torch::empty({rows, cols});
  if (bytes.size() == static_cast<size_t>(rows * cols * 4)) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

// The outputs of tests/support/run_exported.py under `python`; nullopt (with *skip the reason) when
// `python` lacks `module`.
std::optional<torch::Tensor> RunInPython(const std::string& python, const std::string& module, const std::string& format,
                                         const std::string& model_path, const torch::Tensor& x, std::string* skip) {
  if (testing::RunShell("test -x " + python).exit_code != 0) {
    *skip = python + " is absent (scripts/setup.sh creates it)";
    return std::nullopt;
  }
  if (testing::RunShell(python + " -c 'import " + module + "'").exit_code != 0) {
    *skip = python + " has no " + module + " (scripts/setup.sh installs it)";
    return std::nullopt;
  }
  const std::string dir = testing::TempDir();
  WriteRaw(dir + "/in.f32", x);
  auto r = testing::RunShell(python + " " + testing::SourceDir() + "/tests/support/run_exported.py " + format + " '" +
                             model_path + "' " + dir + "/in.f32 " + std::to_string(x.size(0)) + " " +
                             std::to_string(x.size(1)) + " " + dir + "/out.f32");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return ReadRaw(dir + "/out.f32", x.size(0), 2);
}

std::string VenvPython() { return testing::SourceDir() + "/.venv/bin/python"; }

class Export : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    net_ = RandomModel(GetParam().config(), 7);
    x_ = Input(3, GetParam().config().nb_samp, 11);
    torch::NoGradGuard no_grad;
    expected_ = net_->forward(x_);
    // Outputs that differ between inputs: a saturated network would hide a wrong export.
    EXPECT_GT((expected_ - expected_.narrow(0, 0, 1)).abs().max().item<double>(), 1e-3) << expected_;
    dir_ = testing::TempDir();
  }
  void Report(const char* what, double diff) {
    std::printf("[ measured ] %s %s: max |diff| %.3g\n", GetParam().name, what, diff);
  }
  model::Countermeasure net_{nullptr};
  torch::Tensor x_, expected_;
  std::string dir_;
};

TEST_P(Export, TorchScriptLoadsInLibTorchAndGivesTheSameOutputs) {
  const std::string path = dir_ + "/model.pt";
  WriteFileAtomic(path, TorchScriptBytes(*net_));
  torch::jit::Module loaded = torch::jit::load(path);
  torch::NoGradGuard no_grad;
  torch::Tensor out = loaded.forward({x_}).toTensor();
  const double diff = MaxAbsDiff(out, expected_);
  Report("torchscript/libtorch", diff);
  EXPECT_LT(diff, 1e-5);
  // A batch of one (antispoof's GRU takes another path there) and the module's state_dict names.
  EXPECT_LT(MaxAbsDiff(loaded.forward({x_.narrow(0, 1, 1)}).toTensor(), expected_.narrow(0, 1, 1)), 1e-5);
  std::set<std::string> names, expected_names;
  for (const auto& p : loaded.named_parameters()) names.insert(p.name);
  for (const auto& b : loaded.named_buffers()) names.insert(b.name);
  for (const auto& [name, t] : model::StateDictOf(*net_)) expected_names.insert(name);
  expected_names.insert(GetParam().config().architecture == Architecture::kAasist ? "conv_time.filters"
                                                                                   : "Sinc_conv.filters");
  EXPECT_EQ(names, expected_names);
}

TEST_P(Export, TorchScriptRunsInPyTorch) {
  const std::string path = dir_ + "/model.pt";
  WriteFileAtomic(path, TorchScriptBytes(*net_));
  std::string skip;
  auto out = RunInPython("/usr/bin/python3", "torch", "torchscript", path, x_, &skip);
  if (!out) GTEST_SKIP() << skip;
  const double diff = MaxAbsDiff(*out, expected_);
  Report("torchscript/pytorch", diff);
  EXPECT_LT(diff, 1e-5);
}

TEST_P(Export, OnnxPassesTheCheckerAndRunsInOnnxRuntime) {
  const std::string bytes = OnnxBytes(*net_);
  EXPECT_NO_THROW(CheckOnnx(bytes, "model.onnx"));
  const std::string path = dir_ + "/model.onnx";
  WriteFileAtomic(path, bytes);
  std::string skip;
  auto out = RunInPython(VenvPython(), "onnxruntime", "onnx", path, x_, &skip);
  if (!out) GTEST_SKIP() << "the ONNX checker passed; no runtime comparison: " << skip;
  const double diff = MaxAbsDiff(*out, expected_);
  Report("onnx/onnxruntime", diff);
  EXPECT_LT(diff, 1e-4);
  // The samples axis is free: another length gives the model's outputs too (for AASIST its graph
  // pooling keeps other numbers of nodes).
  torch::Tensor x = Input(2, 12345, 5);
  torch::NoGradGuard no_grad;
  auto other = RunInPython(VenvPython(), "onnxruntime", "onnx", path, x, &skip);
  ASSERT_TRUE(other.has_value());
  EXPECT_LT(MaxAbsDiff(*other, net_->forward(x)), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(EveryArchitecture, Export,
                         ::testing::Values(Case{"RawNet2", TinyRawNet2}, Case{"RawNet2_SE", TinyRawNet2Se},
                                           Case{"RawNet2_SE_avgmax_fixed", TinyRawNet2SeAvgMaxFixed},
                                           Case{"AASIST", TinyAasist}, Case{"AASIST_L", AasistL}),
                         [](const auto& info) { return std::string(info.param.name); });

// The TorchScript takes any length the model does (the ONNX test above checks the same).
TEST(ExportLengths, TorchScriptTakesOtherLengths) {
  // (config, lengths): AASIST's shortest accepted input keeps one time step (model_aasist_test.cc).
  for (const auto& [config, lengths] : {std::make_pair(TinyRawNet2(), std::vector<int64_t>{12345, 20000}),
                                        std::make_pair(TinyAasist(), std::vector<int64_t>{2315, 12345})}) {
    model::Countermeasure net = RandomModel(config, 3);
    torch::jit::Module m = ToTorchScript(*net);
    torch::NoGradGuard no_grad;
    for (int64_t n : lengths) {
      torch::Tensor x = Input(2, n, 5);
      EXPECT_LT(MaxAbsDiff(m.forward({x}).toTensor(), net->forward(x)), 1e-5) << net->Name() << " " << n;
    }
  }
}

TEST(ExportChecks, CheckOnnxRefusesWhatIsNotAValidModel) {
  EXPECT_NE(testing::ErrorMessageOf([] { CheckOnnx("not a protobuf \xff\xff", "bad.onnx"); }).find("bad.onnx: "),
            std::string::npos);
  // A parsable but empty ModelProto fails the checker (no IR version, no graph).
  EXPECT_NE(testing::ErrorMessageOf([] { CheckOnnx("", "empty.onnx"); }).find("empty.onnx: "), std::string::npos);
}

TEST(ExportFiles, FormatsAreParsedByNameAndAnUnknownOneNamesTheFlag) {
  EXPECT_EQ(ParseExportFormat("torchscript", "--format"), ExportFormat::kTorchScript);
  EXPECT_EQ(ParseExportFormat("onnx", "--format"), ExportFormat::kOnnx);
  EXPECT_EQ(testing::ErrorMessageOf([] { ParseExportFormat("ONNX", "--format"); }),
            "--format: unknown format 'ONNX' (known: torchscript, onnx)");
}

// Only files that carry the export's metadata count as antispoof's exports (export replaces only those).
TEST(ExportFiles, AnExportIsRecognisedByItsMetadata) {
  model::Countermeasure net = RandomModel(TinyAasist(), 1);
  const std::string dir = testing::TempDir();
  for (ExportFormat f : {ExportFormat::kTorchScript, ExportFormat::kOnnx}) {
    const std::string path = dir + "/m." + FormatName(f);
    WriteFileAtomic(path, ExportBytes(*net, f));
    EXPECT_TRUE(IsAntispoofExport(path)) << path;
    EXPECT_NO_THROW(CheckExportTarget(path, false));
  }
  // A TorchScript archive of another origin (same module, saved without the metadata) and a .pth.
  ToTorchScript(*net).save(dir + "/plain.pt");
  model::SaveWeights(*net, dir + "/w.pth", "{}");
  for (const char* other : {"plain.pt", "w.pth"}) {
    EXPECT_FALSE(IsAntispoofExport(dir + "/" + other)) << other;
    EXPECT_NE(testing::ErrorMessageOf([&] { CheckExportTarget(dir + "/" + other, false); })
                  .find("exists and is not a model antispoof exported"),
              std::string::npos);
    EXPECT_NO_THROW(CheckExportTarget(dir + "/" + other, true));
  }
  EXPECT_NO_THROW(CheckExportTarget(dir + "/new.onnx", false));
  EXPECT_EQ(testing::ErrorMessageOf([&] { CheckExportTarget(dir, false); }), dir + ": is a folder (give the file to write)");
  // The metadata says what the outputs are.
  const std::string meta = ExportMetadata(*net, ExportFormat::kOnnx);
  EXPECT_NE(meta.find("\"outputs\":\"logits\""), std::string::npos) << meta;
  EXPECT_NE(ExportMetadata(*RandomModel(TinyRawNet2(), 1), ExportFormat::kOnnx).find("log-probabilities"),
            std::string::npos);
}

// The official AASIST-L weights (../shared/checkpoints) exported: the same logits as antispoof's.
TEST(ExportOfficial, AasistLWeightsGiveTheSameLogits) {
  ANTISPOOF_REQUIRE_SHARED();
  const std::string weights = testing::SharedDir() + "/checkpoints/AASIST-L.pth";
  if (!FileExists(weights)) GTEST_SKIP() << weights << " is absent";
  model::Countermeasure net = model::CreateModel(LoadConfig(testing::SourceDir() + "/conf/aasist_l.yaml").model);
  model::LoadWeights(*net, weights);
  net->eval();
  torch::Tensor x = Input(2, net->config().nb_samp, 21);
  torch::NoGradGuard no_grad;
  torch::Tensor expected = net->forward(x);
  const std::string dir = testing::TempDir();
  WriteFileAtomic(dir + "/aasist_l.pt", TorchScriptBytes(*net));
  const double diff = MaxAbsDiff(torch::jit::load(dir + "/aasist_l.pt").forward({x}).toTensor(), expected);
  std::printf("[ measured ] official AASIST-L torchscript/libtorch: max |diff| %.3g\n", diff);
  EXPECT_LT(diff, 1e-5);
  WriteFileAtomic(dir + "/aasist_l.onnx", OnnxBytes(*net));
  std::string skip;
  auto out = RunInPython(VenvPython(), "onnxruntime", "onnx", dir + "/aasist_l.onnx", x, &skip);
  if (!out) GTEST_SKIP() << skip;
  const double onnx_diff = MaxAbsDiff(*out, expected);
  std::printf("[ measured ] official AASIST-L onnx/onnxruntime: max |diff| %.3g\n", onnx_diff);
  EXPECT_LT(onnx_diff, 1e-4);
}

}  // namespace
}  // namespace antispoof::exporting
