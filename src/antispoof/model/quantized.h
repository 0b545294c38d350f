// int8 dynamic quantization for inference (precision: int8): the weights of a linear map are
// quantized once, per output row, symmetric int8 (scale = max |w_row| / 127); at every call the
// activations are quantized per tensor to uint8 from their own range (7 bits: "reduce_range", which
// keeps the int16 pair sums of CPUs without VNNI from saturating), multiplied in integers and
// returned as float32 with the float32 bias added. The backend is LibTorch's quantized engine
// (FBGEMM where LibTorch has it, else oneDNN). CPU only, no autograd.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace antispoof::model {

// Whether this LibTorch has a quantized engine that runs int8 dynamic linear maps on this CPU.
bool Int8Available();

// y = x w^T + b with int8 weights: x [M, K] float32 -> [M, N] float32; w [N, K], b [N] (may be undefined).
class Int8Linear {
 public:
  Int8Linear(const torch::Tensor& weight, const torch::Tensor& bias);
  torch::Tensor operator()(const torch::Tensor& x) const;

 private:
  c10::IValue packed_;
};

// y = scale * (w_int8 x) + b for one float32 vector x (a GRU step at batch 1): the same per-row int8
// weights, but x stays float32 and the products are accumulated in float32 (AVX2 + FMA where the CPU
// has them). Streams a quarter of float32's bytes: a matrix-vector product is bound by them.
class Int8MatVec {
 public:
  Int8MatVec(const torch::Tensor& weight, const torch::Tensor& bias);
  // x [K] float32 contiguous -> [N] float32.
  torch::Tensor operator()(const torch::Tensor& x) const;

 private:
  torch::Tensor weight_;  // int8 [N, K]
  torch::Tensor scale_;   // float32 [N]
  torch::Tensor bias_;    // float32 [N] (zeros when there is none)
};

// nn::GRU's function (gates r, z, n; linear before reset; h0 = 0; unidirectional, with biases)
// with both GEMMs of every layer in int8 and the state and gate math in float32; at batch 1 the
// recurrent product is an Int8MatVec. A snapshot of the
// weights when it is built: build it again after they change.
class Int8Gru {
 public:
  explicit Int8Gru(torch::nn::GRUImpl& gru);
  // x [B, T, I] (batch first) or [T, B, I] -> the last layer's state at every step, laid out as x.
  torch::Tensor operator()(const torch::Tensor& x) const;

 private:
  struct Layer {
    Int8Linear input, recurrent;  // W_ih x + b_ih, W_hh h + b_hh
    Int8MatVec recurrent_one;      // W_hh h + b_hh for one sequence
  };
  std::vector<Layer> layers_;
  int64_t hidden_;
  bool batch_first_;
};

}  // namespace antispoof::model
