#include "antispoof/model/residual_block.h"

namespace antispoof::model {
namespace F = torch::nn::functional;

namespace {
constexpr double kLeakySlope = 0.3;  // the reference's LeakyReLU(negative_slope=0.3)
}

ChannelAttentionImpl::ChannelAttentionImpl(int channels, int reduction, SePooling pooling)
    : pooling_(pooling) {
  const int hidden = HiddenSize(channels, reduction);
  fc1_ = register_module("fc1", torch::nn::Linear(channels, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, channels));
}

torch::Tensor ChannelAttentionImpl::forward(const torch::Tensor& x) {
  auto mlp = [&](const torch::Tensor& z) { return fc2_(torch::relu(fc1_(z))); };
  torch::Tensor logits = mlp(x.mean(2));
  if (pooling_ == SePooling::kAvgMax) logits = logits + mlp(std::get<0>(x.max(2)));
  return x * torch::sigmoid(logits).unsqueeze(2);
}

ResidualBlockImpl::ResidualBlockImpl(const ResidualBlockOptions& o) : options_(o) {
  using torch::nn::BatchNorm1d;
  using torch::nn::Conv1d;
  using torch::nn::Conv1dOptions;
  // Registration order = the reference's state_dict order.
  if (!o.first) bn1_ = register_module("bn1", BatchNorm1d(o.in_channels));
  conv1_ = register_module(
      "conv1", Conv1d(Conv1dOptions(o.in_channels, o.out_channels, 3).padding(1)));
  bn2_ = register_module("bn2", BatchNorm1d(o.out_channels));
  conv2_ = register_module(
      "conv2", Conv1d(Conv1dOptions(o.out_channels, o.out_channels, 3).padding(1)));
  if (o.in_channels != o.out_channels)
    conv_downsample_ = register_module(
        "conv_downsample", Conv1d(Conv1dOptions(o.in_channels, o.out_channels, 1)));
  if (o.attention == Attention::kSe)
    channel_attention_ = register_module(
        "channel_attention", ChannelAttention(o.out_channels, o.se_reduction, o.se_pooling));
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor conv_in = x;
  if (!options_.first) {
    if (options_.preactivation == Preactivation::kFixed) {
      conv_in = F::leaky_relu(bn1_(x), F::LeakyReLUFuncOptions().negative_slope(kLeakySlope));
    } else if (is_training()) {
      // Reference quirk: LeakyReLU(bn1(x)) is computed and discarded and conv1 reads x. Only
      // bn1's running statistics are affected (in training), so that is all this computes.
      torch::NoGradGuard no_grad;
      bn1_(x);
    }
  }
  torch::Tensor out;
  if (is_training()) {
    out = bn2_(conv1_(conv_in));
  } else {
    // Eval: bn2 is an affine map per channel, folded into conv1's weights and bias
    // (w' = w g / sqrt(v + eps), b' = (b - m) g / sqrt(v + eps) + beta): one pass less.
    const auto& bn = bn2_->options;
    torch::Tensor scale = bn2_->weight * torch::rsqrt(bn2_->running_var + bn.eps());
    torch::Tensor weight = conv1_->weight * scale.view({-1, 1, 1});
    torch::Tensor bias = (conv1_->bias - bn2_->running_mean) * scale + bn2_->bias;
    out = torch::conv1d(conv_in, weight, bias, 1, 1);
  }
  // In place: neither BatchNorm's nor the convolution's backward reads its output, and
  // LeakyReLU's backward can use its result (slope > 0).
  out = torch::leaky_relu_(out, kLeakySlope);
  out = conv2_(out);
  if (channel_attention_) out = channel_attention_(out);
  // In place as well: no backward reads conv2's (or the attention product's) output.
  out.add_(conv_downsample_ ? conv_downsample_(x) : x);
  return torch::max_pool1d(out, 3);
}

}  // namespace antispoof::model
