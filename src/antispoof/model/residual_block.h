// RawNet2's residual block and the channel-wise attention this project studies (a squeeze-and-excitation gate per block).
#pragma once

#include <torch/torch.h>

#include "antispoof/config/config.h"

namespace antispoof::model {

// Squeeze-excitation over channels: z = pool over time of x [B, C, T] -> [B, C];
// a = sigmoid(fc2(relu(fc1(z)))) with fc1: C -> max(1, floor(C / reduction)), fc2: back to C.
// With avg+max pooling the same two layers see both poolings and their outputs are summed
// before the sigmoid (as CBAM's channel attention). Returns x * a (broadcast over time).
class ChannelAttentionImpl : public torch::nn::Module {
 public:
  ChannelAttentionImpl(int channels, int reduction, SePooling pooling);
  torch::Tensor forward(const torch::Tensor& x);
  static int HiddenSize(int channels, int reduction) { return std::max(1, channels / reduction); }

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  SePooling pooling_;
};
TORCH_MODULE(ChannelAttention);

struct ResidualBlockOptions {
  int in_channels;
  int out_channels;
  bool first = false;  // the first block has no bn1 and no pre-activation
  Preactivation preactivation = Preactivation::kReference;
  Attention attention = Attention::kNone;
  int se_reduction = 8;
  SePooling se_pooling = SePooling::kAvg;
};

// x [B, Cin, T] -> [B, Cout, T / 3]. state_dict keys as the reference: bn1 (not first), conv1, bn2,
// conv2, conv_downsample (Cin != Cout), then channel_attention.fc{1,2} for the attention variant.
class ResidualBlockImpl : public torch::nn::Module {
 public:
  explicit ResidualBlockImpl(const ResidualBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  ResidualBlockOptions options_;
  torch::nn::BatchNorm1d bn1_{nullptr};
  torch::nn::Conv1d conv1_{nullptr};
  torch::nn::BatchNorm1d bn2_{nullptr};
  torch::nn::Conv1d conv2_{nullptr};
  torch::nn::Conv1d conv_downsample_{nullptr};
  ChannelAttention channel_attention_{nullptr};
};
TORCH_MODULE(ResidualBlock);

}  // namespace antispoof::model
