#include "antispoof/model/rawnet2.h"

#include "antispoof/common/error.h"
#include "antispoof/model/gru.h"
#include "antispoof/model/precision.h"

namespace antispoof::model {
namespace F = torch::nn::functional;

std::pair<int, int> BlockChannels(const ModelConfig& c, int k) {
  // Reference: blocks[0] blocks of filts[1]; then blocks[1] blocks of filts[2], of which all but
  // the first run at filts[2][1] channels in and out.
  if (k < c.blocks[0]) {
    return k == 0 ? std::make_pair(c.group1[0], c.group1[1])
                  : std::make_pair(c.group1[1], c.group1[1]);
  }
  if (k == c.blocks[0]) return {c.group2[0], c.group2[1]};
  return {c.group2[1], c.group2[1]};
}

RawNet2Impl::RawNet2Impl(const ModelConfig& config) : CountermeasureImpl(config) {
  config_.Validate("model config");
  // Registration order = the reference's state_dict order.
  sinc_ = register_module("Sinc_conv", SincConv(config_.sinc_channels, config_.SincTaps(),
                                                config_.sample_rate, config_.sinc_impl));
  first_bn_ = register_module("first_bn", torch::nn::BatchNorm1d(config_.sinc_channels));
  const int n_blocks = config_.blocks[0] + config_.blocks[1];
  for (int k = 0; k < n_blocks; ++k) {
    auto [cin, cout] = BlockChannels(config_, k);
    ResidualBlockOptions o{cin, cout, k == 0, config_.preactivation, config_.attention,
                           config_.se_reduction, config_.se_pooling};
    blocks_.push_back(register_module("block" + std::to_string(k),
                                      torch::nn::Sequential(ResidualBlock(o))));
  }
  for (int k = 0; k < n_blocks; ++k) {
    const int c = BlockChannels(config_, k).second;
    fc_attention_.push_back(register_module("fc_attention" + std::to_string(k),
                                            torch::nn::Sequential(torch::nn::Linear(c, c))));
  }
  const int c_last = config_.group2[1];
  bn_before_gru_ = register_module("bn_before_gru", torch::nn::BatchNorm1d(c_last));
  gru_ = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(c_last, config_.gru_node)
                                                   .num_layers(config_.nb_gru_layer)
                                                   .batch_first(true)));
  fc1_gru_ = register_module("fc1_gru", torch::nn::Linear(config_.gru_node, config_.nb_fc_node));
  fc2_gru_ = register_module("fc2_gru", torch::nn::Linear(config_.nb_fc_node, config_.nb_classes));
}

namespace {
// The GRU for one sequence [1, T, C] -> [1, T, H] without autograd: the input projections of all
// steps as one GEMM per layer, then a matrix-vector product per step. LibTorch's GRU runs each
// step's W_hh h as a 1-row GEMM, which OpenBLAS packs anew every step (about 8x slower here).
// float32 throughout, whatever the caller's precision (a bfloat16 input is taken back to float32).
torch::Tensor GruOneSequence(torch::nn::GRUImpl& gru, const torch::Tensor& x) {
  const PrecisionScope float32(Precision::kFp32, torch::kCPU);
  auto params = gru.named_parameters(/*recurse=*/false);
  const int64_t hidden = gru.options.hidden_size(), steps = x.size(1);
  torch::Tensor seq = x[0].to(torch::kFloat);
  for (int64_t l = 0; l < gru.options.num_layers(); ++l) {
    const std::string suffix = "_l" + std::to_string(l);
    const torch::Tensor& w_hh = params["weight_hh" + suffix];
    const torch::Tensor& b_hh = params["bias_hh" + suffix];
    torch::Tensor gi = torch::addmm(params["bias_ih" + suffix], seq, params["weight_ih" + suffix].t());
    torch::Tensor out = torch::empty({steps, hidden}, seq.options());
    torch::Tensor h = torch::zeros({hidden}, seq.options());
    for (int64_t t = 0; t < steps; ++t) {
      torch::Tensor gh = torch::addmv(b_hh, w_hh, h);  // gate order r, z, n
      torch::Tensor g = gi[t];
      torch::Tensor r = torch::sigmoid(g.narrow(0, 0, hidden) + gh.narrow(0, 0, hidden));
      torch::Tensor z = torch::sigmoid(g.narrow(0, hidden, hidden) + gh.narrow(0, hidden, hidden));
      torch::Tensor n = torch::tanh(g.narrow(0, 2 * hidden, hidden) + r * gh.narrow(0, 2 * hidden, hidden));
      h = (1 - z) * n + z * h;
      out[t].copy_(h);
    }
    seq = out;
  }
  return seq.unsqueeze(0);
}
}  // namespace

torch::Tensor RawNet2Impl::forward(const torch::Tensor& x) { return ForwardObserved(x, nullptr); }

void RawNet2Impl::PreparePrecision(Precision precision) {
  int8_gru_ = precision == Precision::kInt8 ? std::make_shared<const Int8Gru>(*gru_) : nullptr;
}

torch::Tensor RawNet2Impl::FrontEnd(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2, "RawNet2 expects [B, samples], got ", x.sizes());
  // The front end has no parameters: unless the caller wants the gradient with respect to the
  // samples, no graph is needed, and the magnitude is pooled per utterance while still in cache.
  if (x.requires_grad()) return torch::max_pool1d(torch::abs(sinc_(x.unsqueeze(1))), 3);
  return sinc_->PooledMagnitude(x.unsqueeze(1), 3);
}

torch::Tensor RawNet2Impl::ForwardObserved(const torch::Tensor& x, const StageObserver& observer) {
  TORCH_CHECK(x.dim() == 2, "RawNet2 expects [B, samples], got ", x.sizes());
  if (!observer) return ForwardFromFrontEnd(FrontEnd(x), nullptr);
  torch::Tensor s = sinc_(x.unsqueeze(1));
  observer("Sinc_conv", s);
  torch::Tensor features = torch::max_pool1d(torch::abs(s), 3);
  return ForwardFromFrontEnd(features, &observer);
}

torch::Tensor RawNet2Impl::ForwardFromFrontEnd(const torch::Tensor& features,
                                                const StageObserver* observer) {
  auto observe = [&](const char* name, const torch::Tensor& t) {
    if (observer) (*observer)(name, t);
  };
  const PrecisionScope precision(precision_, features.device().type());
  torch::Tensor x = first_bn_(features);
  observe("first_bn", x);
  // In place unless an observer holds the BN output (SELU's backward reads its own result).
  x = observer ? torch::selu(x) : torch::selu_(x);
  for (size_t k = 0; k < blocks_.size(); ++k) {
    torch::Tensor out = blocks_[k]->forward(x);
    observe(("block" + std::to_string(k)).c_str(), out);
    // Filter-wise feature map scaling: s = sigmoid(fc(mean over time)); x = out * s + s.
    torch::Tensor scale = torch::sigmoid(fc_attention_[k]->forward(out.mean(2))).unsqueeze(2);
    x = torch::addcmul(scale, out, scale);  // out * scale + scale in one pass
    observe(("fms" + std::to_string(k) + "_out").c_str(), x);
  }
  x = bn_before_gru_(x);
  observe("bn_before_gru", x);
  x = (observer ? torch::selu(x) : torch::selu_(x)).permute({0, 2, 1});  // [B, T, C], batch first
  const bool one_sequence = x.size(0) == 1 && x.device().is_cpu() && !torch::GradMode::is_enabled() &&
                            gru_->options.bias() && (!is_training() || gru_->options.dropout() == 0);
  torch::Tensor all_steps;
  if (precision_ == Precision::kInt8) {
    if (torch::GradMode::is_enabled()) Fail("precision: int8 has no backward (it is for scoring, without a graph)");
    all_steps = (*int8_gru_)(x);
  } else if (one_sequence)
    all_steps = GruOneSequence(*gru_, x);
  else if (FusedGruEnabled() && FusedGruApplies(*gru_, x))
    all_steps = FusedGru(*gru_, x);  // training: one GEMM per weight gradient, no per-step graph
  else
    all_steps = std::get<0>(gru_(x.to(torch::kFloat)));  // nn::GRU wants its weights' dtype
  observe("gru_all_steps", all_steps);
  x = all_steps.select(1, all_steps.size(1) - 1);
  x = fc1_gru_(x);
  observe("fc1_gru", x);
  x = fc2_gru_(x);
  observe("fc2_gru", x);
  return torch::log_softmax(x.to(torch::kFloat), 1);
}

namespace {
bool IsDead(const std::string& name, Preactivation preactivation) {
  return preactivation == Preactivation::kReference && name.find(".bn1.") != std::string::npos;
}
}  // namespace

std::vector<torch::Tensor> RawNet2Impl::DeadParameters() {
  std::vector<torch::Tensor> dead;
  for (const auto& p : named_parameters())
    if (IsDead(p.key(), config_.preactivation)) dead.push_back(p.value());
  return dead;
}

std::vector<std::pair<std::string, torch::Tensor>> RawNet2Impl::NamedTrainableParameters() {
  std::vector<std::pair<std::string, torch::Tensor>> live;
  for (const auto& p : named_parameters())
    if (!IsDead(p.key(), config_.preactivation)) live.emplace_back(p.key(), p.value());
  return live;
}

torch::Tensor RawNet2Impl::LogProbabilities(const torch::Tensor& outputs) const { return outputs; }

std::string RawNet2Impl::Name() const {
  return config_.attention == Attention::kNone ? "RawNet2" : "RawNet2-SE";
}

}  // namespace antispoof::model

namespace antispoof::model {

ModelSummary RawNet2Impl::Summarize() const {
  const ModelConfig& c = config_;
  std::vector<StageSummary> stages;
  const int64_t taps = c.SincTaps();
  int64_t len = c.nb_samp - taps + 1;
  stages.push_back({"sinc_conv", {c.sinc_channels, len}, 0, int64_t{c.sinc_channels} * taps * len});
  len /= 3;
  stages.push_back({"first_bn (abs, max-pool 3, BN, SELU)", {c.sinc_channels, len},
                    ParametersWithPrefix("first_bn."), 0});
  const int n_blocks = c.blocks[0] + c.blocks[1];
  for (int k = 0; k < n_blocks; ++k) {
    auto [cin, cout] = BlockChannels(c, k);
    int64_t macs = int64_t{cin} * cout * 3 * len + int64_t{cout} * cout * 3 * len;
    if (cin != cout) macs += int64_t{cin} * cout * len;
    if (c.attention == Attention::kSe) {
      int64_t hidden = ChannelAttentionImpl::HiddenSize(cout, c.se_reduction);
      macs += 2 * hidden * cout * (c.se_pooling == SePooling::kAvgMax ? 2 : 1);
    }
    len /= 3;
    const std::string name = "block" + std::to_string(k);
    stages.push_back({name, {cout, len}, ParametersWithPrefix(name + "."), macs});
    const std::string fms = "fc_attention" + std::to_string(k);
    stages.push_back({fms + " (FMS)", {cout, len}, ParametersWithPrefix(fms + "."), int64_t{cout} * cout});
  }
  const int64_t c_last = c.group2[1];
  stages.push_back({"bn_before_gru", {c_last, len}, ParametersWithPrefix("bn_before_gru."), 0});
  int64_t gru_macs = 0;
  for (int l = 0; l < c.nb_gru_layer; ++l) {
    int64_t in = l == 0 ? c_last : c.gru_node;
    gru_macs += 3 * int64_t{c.gru_node} * (in + c.gru_node) * len;
  }
  stages.push_back({"gru", {c.gru_node}, ParametersWithPrefix("gru."), gru_macs});
  stages.push_back({"fc1_gru", {c.nb_fc_node}, ParametersWithPrefix("fc1_gru."),
                    int64_t{c.gru_node} * c.nb_fc_node});
  stages.push_back({"fc2_gru", {c.nb_classes}, ParametersWithPrefix("fc2_gru."),
                    int64_t{c.nb_fc_node} * c.nb_classes});
  return SummaryWithStages(std::move(stages));
}

}  // namespace antispoof::model
