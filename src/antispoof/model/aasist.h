// AASIST and AASIST-L exactly as clovaai/aasist (models/AASIST.py) define them: a fixed Mel sinc
// front end, a 2-D residual encoder, spectral and temporal graph attention with graph pooling, two
// heterogeneous stacking branches with a master node, their element-wise max and a readout.
// state_dict keys are the reference's, so its official .pth files load unchanged.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "antispoof/config/config.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/model/sinc.h"

namespace antispoof::model {
namespace aasist {

// Graph attention over the nodes of x [B, N, in] -> [B, N, out]: attention weights from the
// pairwise products of nodes (tanh(att_proj), then att_weight, over `temperature`, softmax over
// the neighbours), aggregation, two projections summed, BatchNorm over B*N rows, SELU. Input
// dropout 0.2 in training.
class GraphAttentionLayerImpl : public torch::nn::Module {
 public:
  GraphAttentionLayerImpl(int in_dim, int out_dim, double temperature);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::Tensor att_weight_;
  torch::nn::Linear att_proj_{nullptr}, proj_with_att_{nullptr}, proj_without_att_{nullptr};
  torch::nn::BatchNorm1d bn_{nullptr};
  double temperature_;
};
TORCH_MODULE(GraphAttentionLayer);

// Heterogeneous graph attention over two node types x1 [B, N1, in], x2 [B, N2, in] and a master
// node [1 or B, 1, in]: each type gets its own projection, attention within type 1, within type 2
// and across types has its own weight (att_weight11, 22, 12), and the master node attends to all
// nodes. Returns (x1', x2', master') with out dimensions.
class HeteroGraphAttentionLayerImpl : public torch::nn::Module {
 public:
  HeteroGraphAttentionLayerImpl(int in_dim, int out_dim, double temperature);
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> forward(torch::Tensor x1, torch::Tensor x2,
                                                                  torch::Tensor master);

 private:
  torch::Tensor AttentionMap(const torch::Tensor& x, int64_t n1);
  torch::Tensor UpdateMaster(const torch::Tensor& x, const torch::Tensor& master);

  torch::Tensor att_weight11_, att_weight22_, att_weight12_, att_weight_m_;
  torch::nn::Linear proj_type1_{nullptr}, proj_type2_{nullptr}, att_proj_{nullptr}, att_proj_m_{nullptr};
  torch::nn::Linear proj_with_att_{nullptr}, proj_without_att_{nullptr};
  torch::nn::Linear proj_with_att_m_{nullptr}, proj_without_att_m_{nullptr};
  torch::nn::BatchNorm1d bn_{nullptr};
  double temperature_;
};
TORCH_MODULE(HeteroGraphAttentionLayer);

// Keeps the max(1, floor(N * ratio)) nodes of h [B, N, D] with the highest sigmoid(proj(h))
// scores, each scaled by its score (in descending score order). Dropout `p` on the scores' input
// in training.
class GraphPoolImpl : public torch::nn::Module {
 public:
  GraphPoolImpl(double ratio, int in_dim, double p);
  torch::Tensor forward(const torch::Tensor& h);

 private:
  double ratio_, p_;
  torch::nn::Linear proj_{nullptr};
};
TORCH_MODULE(GraphPool);

// x [B, Cin, H, W] -> [B, Cout, H, W / 3]. Like RawNet2's block, conv1 reads the block input: bn1
// (every block but the first) only moves its running statistics in training, and gets no gradient.
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int in_channels, int out_channels, bool first);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv_downsample_{nullptr};
};
TORCH_MODULE(ResidualBlock);

}  // namespace aasist

class AasistImpl : public CountermeasureImpl {
 public:
  explicit AasistImpl(const ModelConfig& config);
  // x: [B, nb_samp] -> [B, 2] logits (spoof, bona fide); the bona fide logit is the score, no
  // softmax, as the reference's evaluation writes it.
  torch::Tensor forward(const torch::Tensor& x) override { return ForwardWithHidden(x).second; }
  // (the [B, 5 * gat_dims[1]] hidden embedding before the readout's dropout, the logits).
  std::pair<torch::Tensor, torch::Tensor> ForwardWithHidden(const torch::Tensor& x);

  // sinc, abs, 3 x 3 max-pool: [B, N] -> [B, 1, C / 3, (N - K + 1) / 3]. Fixed unless freq_aug
  // masks sinc channels in training.
  bool HasFixedFrontEnd() const override { return !config_.aasist.freq_aug; }
  torch::Tensor FrontEnd(const torch::Tensor& x) override;
  torch::Tensor ForwardFromFrontEnd(const torch::Tensor& features) override {
    return HiddenAndLogits(features).second;
  }

  torch::Tensor LogProbabilities(const torch::Tensor& outputs) const override;
  std::string ScoreMeaning() const override { return "bona fide logit"; }
  std::optional<double> ArgmaxScoreThreshold() const override { return std::nullopt; }
  std::vector<std::pair<std::string, torch::Tensor>> NamedTrainableParameters() override;
  std::string Name() const override { return "AASIST"; }
  ModelSummary Summarize() const override;

 private:
  torch::Tensor SincFeatures(const torch::Tensor& x);
  std::pair<torch::Tensor, torch::Tensor> HiddenAndLogits(const torch::Tensor& features);
  // One heterogeneous stacking branch: (temporal nodes, spectral nodes, master).
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> Branch(
      const torch::Tensor& out_t, const torch::Tensor& out_s, const torch::Tensor& master,
      aasist::HeteroGraphAttentionLayer& first, aasist::HeteroGraphAttentionLayer& second,
      aasist::GraphPool& pool_s, aasist::GraphPool& pool_t);

  SincConv conv_time_{nullptr};
  torch::nn::BatchNorm2d first_bn_{nullptr};
  std::vector<aasist::ResidualBlock> encoder_;
  torch::Tensor pos_s_, master1_, master2_;
  aasist::GraphAttentionLayer gat_s_{nullptr}, gat_t_{nullptr};
  aasist::HeteroGraphAttentionLayer htrg_st11_{nullptr}, htrg_st12_{nullptr}, htrg_st21_{nullptr},
      htrg_st22_{nullptr};
  aasist::GraphPool pool_s_{nullptr}, pool_t_{nullptr}, pool_hs1_{nullptr}, pool_ht1_{nullptr},
      pool_hs2_{nullptr}, pool_ht2_{nullptr};
  torch::nn::Linear out_layer_{nullptr};
};
TORCH_MODULE(Aasist);

}  // namespace antispoof::model
