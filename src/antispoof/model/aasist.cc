#include "antispoof/model/aasist.h"

#include <algorithm>

#include "antispoof/common/strings.h"
#include "antispoof/model/precision.h"

namespace antispoof::model {
namespace aasist {
namespace {

// The reference's attention weights ([dim, 1], Xavier-normal).
torch::Tensor AttentionWeight(torch::nn::Module& m, const std::string& name, int dim) {
  torch::Tensor w = m.register_parameter(name, torch::empty({dim, 1}));
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_normal_(w);
  return w;
}

// [B, N, D] -> [B, N, N, D] with element (i, j) = x_i * x_j.
torch::Tensor PairwiseProducts(const torch::Tensor& x) {
  const int64_t n = x.size(1);
  torch::Tensor expanded = x.unsqueeze(2).expand({-1, -1, n, -1});
  return expanded * expanded.transpose(1, 2);
}

// SELU in place, as the reference's SELU(inplace=True): training keeps one activation, not two.
torch::Tensor SeluInPlace(torch::Tensor x) {
  torch::selu_(x);
  return x;
}

// BatchNorm1d over the last axis of [B, N, D] (rows B * N), as the reference's _apply_BN.
torch::Tensor NodeBatchNorm(torch::nn::BatchNorm1d& bn, const torch::Tensor& x) {
  return bn(x.reshape({-1, x.size(-1)})).view(x.sizes());
}

}  // namespace

GraphAttentionLayerImpl::GraphAttentionLayerImpl(int in_dim, int out_dim, double temperature)
    : temperature_(temperature) {
  att_proj_ = register_module("att_proj", torch::nn::Linear(in_dim, out_dim));
  att_weight_ = AttentionWeight(*this, "att_weight", out_dim);
  proj_with_att_ = register_module("proj_with_att", torch::nn::Linear(in_dim, out_dim));
  proj_without_att_ = register_module("proj_without_att", torch::nn::Linear(in_dim, out_dim));
  bn_ = register_module("bn", torch::nn::BatchNorm1d(out_dim));
}

torch::Tensor GraphAttentionLayerImpl::forward(torch::Tensor x) {
  x = torch::dropout(x, 0.2, is_training());
  // [B, N, N, 1]: softmax over the neighbours j of node i.
  torch::Tensor att = torch::matmul(torch::tanh(att_proj_(PairwiseProducts(x))), att_weight_);
  att = torch::softmax(att / temperature_, -2).squeeze(-1);
  x = proj_with_att_(torch::matmul(att, x)) + proj_without_att_(x);
  return SeluInPlace(NodeBatchNorm(bn_, x));
}

HeteroGraphAttentionLayerImpl::HeteroGraphAttentionLayerImpl(int in_dim, int out_dim, double temperature)
    : temperature_(temperature) {
  proj_type1_ = register_module("proj_type1", torch::nn::Linear(in_dim, in_dim));
  proj_type2_ = register_module("proj_type2", torch::nn::Linear(in_dim, in_dim));
  att_proj_ = register_module("att_proj", torch::nn::Linear(in_dim, out_dim));
  att_proj_m_ = register_module("att_projM", torch::nn::Linear(in_dim, out_dim));
  att_weight11_ = AttentionWeight(*this, "att_weight11", out_dim);
  att_weight22_ = AttentionWeight(*this, "att_weight22", out_dim);
  att_weight12_ = AttentionWeight(*this, "att_weight12", out_dim);
  att_weight_m_ = AttentionWeight(*this, "att_weightM", out_dim);
  proj_with_att_ = register_module("proj_with_att", torch::nn::Linear(in_dim, out_dim));
  proj_without_att_ = register_module("proj_without_att", torch::nn::Linear(in_dim, out_dim));
  proj_with_att_m_ = register_module("proj_with_attM", torch::nn::Linear(in_dim, out_dim));
  proj_without_att_m_ = register_module("proj_without_attM", torch::nn::Linear(in_dim, out_dim));
  bn_ = register_module("bn", torch::nn::BatchNorm1d(out_dim));
}

torch::Tensor HeteroGraphAttentionLayerImpl::AttentionMap(const torch::Tensor& x, int64_t n1) {
  const int64_t n2 = x.size(1) - n1;
  torch::Tensor att = torch::tanh(att_proj_(PairwiseProducts(x)));  // [B, N, N, out]
  auto block = [&](int64_t r0, int64_t nr, int64_t c0, int64_t nc, const torch::Tensor& w) {
    return torch::matmul(att.narrow(1, r0, nr).narrow(2, c0, nc), w);
  };
  // Within type 1, within type 2, and across types (one weight for both directions).
  torch::Tensor top = torch::cat({block(0, n1, 0, n1, att_weight11_), block(0, n1, n1, n2, att_weight12_)}, 2);
  torch::Tensor bottom = torch::cat({block(n1, n2, 0, n1, att_weight12_), block(n1, n2, n1, n2, att_weight22_)}, 2);
  return torch::softmax(torch::cat({top, bottom}, 1) / temperature_, -2).squeeze(-1);
}

torch::Tensor HeteroGraphAttentionLayerImpl::UpdateMaster(const torch::Tensor& x, const torch::Tensor& master) {
  torch::Tensor att = torch::matmul(torch::tanh(att_proj_m_(x * master)), att_weight_m_);  // [B, N, 1]
  att = torch::softmax(att / temperature_, -2).squeeze(-1).unsqueeze(1);                 // [B, 1, N]
  return proj_with_att_m_(torch::matmul(att, x)) + proj_without_att_m_(master);
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> HeteroGraphAttentionLayerImpl::forward(
    torch::Tensor x1, torch::Tensor x2, torch::Tensor master) {
  const int64_t n1 = x1.size(1), n2 = x2.size(1);
  torch::Tensor x = torch::cat({proj_type1_(x1), proj_type2_(x2)}, 1);
  if (!master.defined()) master = x.mean(1, /*keepdim=*/true);
  x = torch::dropout(x, 0.2, is_training());
  torch::Tensor att = AttentionMap(x, n1);
  master = UpdateMaster(x, master);
  x = proj_with_att_(torch::matmul(att, x)) + proj_without_att_(x);
  x = SeluInPlace(NodeBatchNorm(bn_, x));
  return {x.narrow(1, 0, n1), x.narrow(1, n1, n2), master};
}

GraphPoolImpl::GraphPoolImpl(double ratio, int in_dim, double p) : ratio_(ratio), p_(p) {
  proj_ = register_module("proj", torch::nn::Linear(in_dim, 1));
}

torch::Tensor GraphPoolImpl::forward(const torch::Tensor& h) {
  torch::Tensor z = p_ > 0 ? torch::dropout(h, p_, is_training()) : h;
  torch::Tensor scores = torch::sigmoid(proj_(z));  // [B, N, 1]
  // int(N * ratio) as Python truncates it.
  const int64_t keep = std::max<int64_t>(static_cast<int64_t>(h.size(1) * ratio_), 1);
  torch::Tensor idx = std::get<1>(torch::topk(scores, keep, 1)).expand({-1, -1, h.size(2)});
  return torch::gather(h * scores, 1, idx);
}

ResidualBlockImpl::ResidualBlockImpl(int in_channels, int out_channels, bool first) {
  namespace nn = torch::nn;
  if (!first) bn1_ = register_module("bn1", nn::BatchNorm2d(in_channels));
  conv1_ = register_module(
      "conv1", nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, {2, 3}).padding({1, 1})));
  bn2_ = register_module("bn2", nn::BatchNorm2d(out_channels));
  conv2_ = register_module(
      "conv2", nn::Conv2d(nn::Conv2dOptions(out_channels, out_channels, {2, 3}).padding({0, 1})));
  if (in_channels != out_channels)
    conv_downsample_ = register_module(
        "conv_downsample", nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, {1, 3}).padding({0, 1})));
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
  // The reference computes selu(bn1(x)) and then convolves x: only bn1's statistics move.
  if (bn1_ && is_training()) bn1_(x);
  // SELU and the residual sum in place, as the reference: the activations training keeps are its.
  torch::Tensor out = conv2_(SeluInPlace(bn2_(conv1_(x))));
  out.add_(conv_downsample_ ? conv_downsample_(x) : x);
  return torch::max_pool2d(out, {1, 3});
}

}  // namespace aasist

AasistImpl::AasistImpl(const ModelConfig& config) : CountermeasureImpl(config) {
  config_.Validate("model config");
  const AasistConfig& a = config_.aasist;
  const auto& f = a.filts;
  const int enc_out = f[3][1], g0 = a.gat_dims[0], g1 = a.gat_dims[1];
  // Own parameters first: the reference's state_dict order.
  pos_s_ = register_parameter("pos_S", torch::randn({1, a.SpectralNodes(), enc_out}));
  master1_ = register_parameter("master1", torch::randn({1, 1, g0}));
  master2_ = register_parameter("master2", torch::randn({1, 1, g0}));
  conv_time_ = register_module("conv_time", SincConv(a.sinc_channels, config_.SincTaps(), config_.sample_rate,
                                                     config_.sinc_impl));
  first_bn_ = register_module("first_bn", torch::nn::BatchNorm2d(1));
  // state_dict names encoder.<k>.0.*: each block sits alone in a Sequential, as in the reference.
  torch::nn::ModuleList encoder;
  const std::array<std::array<int, 2>, 6> blocks = {f[0], f[1], f[2], f[3], f[3], f[3]};
  for (size_t k = 0; k < blocks.size(); ++k) {
    encoder_.push_back(aasist::ResidualBlock(blocks[k][0], blocks[k][1], k == 0));
    encoder->push_back(torch::nn::Sequential(encoder_.back()));
  }
  register_module("encoder", encoder);
  gat_s_ = register_module("GAT_layer_S", aasist::GraphAttentionLayer(enc_out, g0, a.temperatures[0]));
  gat_t_ = register_module("GAT_layer_T", aasist::GraphAttentionLayer(enc_out, g0, a.temperatures[1]));
  htrg_st11_ = register_module("HtrgGAT_layer_ST11", aasist::HeteroGraphAttentionLayer(g0, g1, a.temperatures[2]));
  htrg_st12_ = register_module("HtrgGAT_layer_ST12", aasist::HeteroGraphAttentionLayer(g1, g1, a.temperatures[2]));
  htrg_st21_ = register_module("HtrgGAT_layer_ST21", aasist::HeteroGraphAttentionLayer(g0, g1, a.temperatures[2]));
  htrg_st22_ = register_module("HtrgGAT_layer_ST22", aasist::HeteroGraphAttentionLayer(g1, g1, a.temperatures[2]));
  pool_s_ = register_module("pool_S", aasist::GraphPool(a.pool_ratios[0], g0, 0.3));
  pool_t_ = register_module("pool_T", aasist::GraphPool(a.pool_ratios[1], g0, 0.3));
  pool_hs1_ = register_module("pool_hS1", aasist::GraphPool(a.pool_ratios[2], g1, 0.3));
  pool_ht1_ = register_module("pool_hT1", aasist::GraphPool(a.pool_ratios[2], g1, 0.3));
  pool_hs2_ = register_module("pool_hS2", aasist::GraphPool(a.pool_ratios[2], g1, 0.3));
  pool_ht2_ = register_module("pool_hT2", aasist::GraphPool(a.pool_ratios[2], g1, 0.3));
  out_layer_ = register_module("out_layer", torch::nn::Linear(5 * g1, 2));
}

torch::Tensor AasistImpl::SincFeatures(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2, "AASIST expects [B, samples], got ", x.sizes());
  torch::Tensor s = conv_time_(x.unsqueeze(1));  // [B, C, N - K + 1]
  if (config_.aasist.freq_aug && is_training()) {
    // The reference zeroes filters A0 .. A0 + A - 1 (A uniform in 0..19) of the whole batch;
    // zeroing those output channels is the same.
    const int64_t width = torch::randint(0, 20, {1}).item<int64_t>();
    const int64_t start = torch::randint(0, s.size(1) - width + 1, {1}).item<int64_t>();
    s = s.clone();
    s.narrow(1, start, width).zero_();
  }
  return torch::max_pool2d(torch::abs(s).unsqueeze(1), {3, 3});
}

torch::Tensor AasistImpl::FrontEnd(const torch::Tensor& x) {
  if (x.requires_grad()) return SincFeatures(x);
  torch::NoGradGuard no_grad;
  return SincFeatures(x);
}

std::pair<torch::Tensor, torch::Tensor> AasistImpl::ForwardWithHidden(const torch::Tensor& x) {
  return HiddenAndLogits(FrontEnd(x));
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> AasistImpl::Branch(
    const torch::Tensor& out_t, const torch::Tensor& out_s, const torch::Tensor& master,
    aasist::HeteroGraphAttentionLayer& first, aasist::HeteroGraphAttentionLayer& second,
    aasist::GraphPool& pool_s, aasist::GraphPool& pool_t) {
  auto [t1, s1, m1] = first(out_t, out_s, master);
  s1 = pool_s(s1);
  t1 = pool_t(t1);
  auto [t_aug, s_aug, m_aug] = second(t1, s1, m1);
  auto drop = [&](const torch::Tensor& v) { return torch::dropout(v, 0.2, is_training()); };
  return {drop(t1 + t_aug), drop(s1 + s_aug), drop(m1 + m_aug)};
}

std::pair<torch::Tensor, torch::Tensor> AasistImpl::HiddenAndLogits(const torch::Tensor& features) {
  const PrecisionScope precision(precision_, features.device().type());
  torch::Tensor x = aasist::SeluInPlace(first_bn_(features));
  for (auto& block : encoder_) x = block(x);
  torch::Tensor e = x.abs();  // [B, C, spectral nodes, time]
  // Spectral graph: max over time, plus the learned positional embedding.
  torch::Tensor out_s = pool_s_(gat_s_(std::get<0>(e.max(3)).transpose(1, 2) + pos_s_));
  // Temporal graph: max over frequency.
  torch::Tensor out_t = pool_t_(gat_t_(std::get<0>(e.max(2)).transpose(1, 2)));
  // Both branches start from the learned master node itself ([1, 1, D], broadcast over the batch).
  auto [t1, s1, m1] = Branch(out_t, out_s, master1_, htrg_st11_, htrg_st12_, pool_hs1_, pool_ht1_);
  auto [t2, s2, m2] = Branch(out_t, out_s, master2_, htrg_st21_, htrg_st22_, pool_hs2_, pool_ht2_);
  torch::Tensor t = torch::max(t1, t2), s = torch::max(s1, s2), master = torch::max(m1, m2);
  torch::Tensor hidden = torch::cat({std::get<0>(t.abs().max(1)), t.mean(1), std::get<0>(s.abs().max(1)),
                                     s.mean(1), master.squeeze(1)},
                                    1);
  torch::Tensor logits = out_layer_(torch::dropout(hidden, 0.5, is_training()));
  return {hidden.to(torch::kFloat), logits.to(torch::kFloat)};
}

torch::Tensor AasistImpl::LogProbabilities(const torch::Tensor& outputs) const {
  return torch::log_softmax(outputs, 1);
}

std::vector<std::pair<std::string, torch::Tensor>> AasistImpl::NamedTrainableParameters() {
  std::vector<std::pair<std::string, torch::Tensor>> live;
  for (const auto& p : named_parameters())
    if (p.key().find(".bn1.") == std::string::npos) live.emplace_back(p.key(), p.value());
  return live;
}

namespace {
// Multiply-adds of the linear maps and products of a graph attention layer over n nodes.
int64_t GraphAttentionMacs(int64_t n, int64_t in, int64_t out) {
  return n * n * in * out + n * n * out + n * n * in + 2 * n * in * out;
}
int64_t HeteroLayerMacs(int64_t n1, int64_t n2, int64_t in, int64_t out) {
  const int64_t n = n1 + n2;
  return n * in * in + GraphAttentionMacs(n, in, out) + n * in * out + n * out + n * in + 2 * in * out;
}
int64_t Kept(int64_t n, double ratio) { return std::max<int64_t>(static_cast<int64_t>(n * ratio), 1); }
}  // namespace

ModelSummary AasistImpl::Summarize() const {
  const AasistConfig& a = config_.aasist;
  const int64_t taps = config_.SincTaps(), g0 = a.gat_dims[0], g1 = a.gat_dims[1];
  std::vector<StageSummary> stages;
  int64_t len = config_.nb_samp - taps + 1;
  stages.push_back({"sinc_conv", {a.sinc_channels, len}, 0, int64_t{a.sinc_channels} * taps * len});
  const int64_t h = a.SpectralNodes();
  len /= 3;
  stages.push_back({"first_bn (abs, max-pool 3x3, BN, SELU)", {1, h, len}, ParametersWithPrefix("first_bn."), 0});
  const std::array<std::array<int, 2>, 6> blocks = {a.filts[0], a.filts[1], a.filts[2], a.filts[3], a.filts[3],
                                                    a.filts[3]};
  for (size_t k = 0; k < blocks.size(); ++k) {
    const int64_t cin = blocks[k][0], cout = blocks[k][1];
    int64_t macs = cin * cout * 6 * (h + 1) * len + cout * cout * 6 * h * len;
    if (cin != cout) macs += cin * cout * 3 * h * len;
    len /= 3;
    const std::string name = "encoder." + std::to_string(k);
    stages.push_back({name, {cout, h, len}, ParametersWithPrefix(name + "."), macs});
  }
  const int64_t c = a.filts[3][1];
  const int64_t ns = Kept(h, a.pool_ratios[0]), nt = Kept(len, a.pool_ratios[1]);
  stages.push_back({"GAT_layer_S + pool_S", {ns, g0},
                    ParametersWithPrefix("GAT_layer_S.") + ParametersWithPrefix("pool_S.") + ParametersWithPrefix("pos_S"),
                    GraphAttentionMacs(h, c, g0) + h * g0});
  stages.push_back({"GAT_layer_T + pool_T", {nt, g0},
                    ParametersWithPrefix("GAT_layer_T.") + ParametersWithPrefix("pool_T."),
                    GraphAttentionMacs(len, c, g0) + len * g0});
  const int64_t ns2 = Kept(ns, a.pool_ratios[2]), nt2 = Kept(nt, a.pool_ratios[2]);
  const int64_t branch_macs = HeteroLayerMacs(nt, ns, g0, g1) + (nt + ns) * g1 + HeteroLayerMacs(nt2, ns2, g1, g1);
  for (const char* b : {"1", "2"}) {
    const std::string name = std::string("HtrgGAT branch ") + b;
    stages.push_back({name, {nt2 + ns2 + 1, g1},
                      ParametersWithPrefix(std::string("HtrgGAT_layer_ST") + b) +
                          ParametersWithPrefix(std::string("pool_hS") + b) +
                          ParametersWithPrefix(std::string("pool_hT") + b) +
                          ParametersWithPrefix(std::string("master") + b),
                      branch_macs});
  }
  stages.push_back({"out_layer", {2}, ParametersWithPrefix("out_layer."), 5 * g1 * 2});
  return SummaryWithStages(std::move(stages));
}

}  // namespace antispoof::model
