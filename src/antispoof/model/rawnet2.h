// RawNet2 as the ASVspoof 2021 LA baseline defines it, with optional channel-wise attention inside
// the residual blocks. state_dict keys are the reference PyTorch names.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "antispoof/config/config.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/model/quantized.h"
#include "antispoof/model/residual_block.h"
#include "antispoof/model/sinc.h"

namespace antispoof::model {

// Receives (stage name, stage output) in forward order: Sinc_conv, first_bn, block<k>,
// fms<k>_out, bn_before_gru, gru_all_steps, fc1_gru, fc2_gru (the parity fixture's names).
using StageObserver = std::function<void(const std::string&, const torch::Tensor&)>;

class RawNet2Impl : public CountermeasureImpl {
 public:
  explicit RawNet2Impl(const ModelConfig& config);
  // x: [B, nb_samp] float samples (int16/32768 scale) -> [B, 2] log-probabilities;
  // class 0 = spoof, class 1 = bona fide, so output[:, 1] is the score (higher = more bona fide).
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor ForwardObserved(const torch::Tensor& x, const StageObserver& observer);

  // The parameter-free front end (sinc, abs, max-pool 3): [B, N] -> [B, C, (N - K + 1) / 3].
  // It depends only on the input, so training may compute it once per utterance and cache it.
  bool HasFixedFrontEnd() const override { return true; }
  torch::Tensor FrontEnd(const torch::Tensor& x) override;
  // Everything after FrontEnd: [B, C, T] -> [B, 2] log-probabilities.
  torch::Tensor ForwardFromFrontEnd(const torch::Tensor& features) override {
    return ForwardFromFrontEnd(features, nullptr);
  }
  torch::Tensor ForwardFromFrontEnd(const torch::Tensor& features, const StageObserver* observer);

  torch::Tensor LogProbabilities(const torch::Tensor& outputs) const override;
  std::string ScoreMeaning() const override { return "log P(bona fide)"; }
  std::optional<double> ArgmaxScoreThreshold() const override { return std::log(0.5); }
  std::string Name() const override;
  ModelSummary Summarize() const override;

  SincConv& sinc() { return sinc_; }
  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  // Parameters that receive no gradient in the reference mode (every bn1 weight and bias); the
  // optimizer skips them as the reference's Adam does (their .grad stays undefined).
  std::vector<torch::Tensor> DeadParameters();
  // Every other parameter, with its state_dict name (the optimizer's state is keyed by it).
  std::vector<std::pair<std::string, torch::Tensor>> NamedTrainableParameters() override;

 protected:
  // int8 packs the GRU's weights (as they are now); any other precision drops them.
  void PreparePrecision(Precision precision) override;

 private:
  SincConv sinc_{nullptr};
  torch::nn::BatchNorm1d first_bn_{nullptr};
  std::vector<torch::nn::Sequential> blocks_;
  std::vector<torch::nn::Sequential> fc_attention_;
  torch::nn::BatchNorm1d bn_before_gru_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear fc1_gru_{nullptr}, fc2_gru_{nullptr};
  std::shared_ptr<const Int8Gru> int8_gru_;  // set while precision is int8
};
TORCH_MODULE(RawNet2);

// Channels [in, out] of residual block k (k = 0 .. blocks[0] + blocks[1] - 1).
std::pair<int, int> BlockChannels(const ModelConfig& config, int k);

}  // namespace antispoof::model
