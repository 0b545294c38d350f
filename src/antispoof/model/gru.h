// A GRU computed with a hand-written backward: the same function as torch::nn::GRU (gates r, z, n in
// PyTorch's order; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), "linear before reset";
// h' = (1 - z) * n + z * h; h0 = 0), on the module's own parameters (so the state_dict is unchanged).
//
// Per layer, the forward runs ONE GEMM for every step's input projection, then per step the
// recurrent GEMM and the gate math without an autograd graph, keeping the gates for the backward.
// The backward runs the reverse-time recurrence by hand (one GEMM per step for the hidden state's
// gradient) and then one GEMM each for the input gradient and the two weight gradients, where
// autograd's per-step graph of nn::GRU accumulates 29 rank-B weight updates per layer.
// float32 and float64, any device the ops run on; no double backward (create_graph is not supported).
// Inside a bf16 PrecisionScope (model/precision.h) the GEMMs, forward and backward, take bfloat16
// operands while the hidden state, the gates and their gradients stay float32; a bfloat16 input
// (autocast's activations) is taken to float32 first.
#pragma once

#include <torch/torch.h>

namespace antispoof::model {

// One layer, time-major: x [T, B, I] -> every step's hidden state [T, B, H].
// w_ih [3H, I], w_hh [3H, H], b_ih [3H], b_hh [3H] (nn::GRU's weight_ih_l<k> etc.).
torch::Tensor FusedGruLayer(const torch::Tensor& x, const torch::Tensor& w_ih, const torch::Tensor& w_hh,
                            const torch::Tensor& b_ih, const torch::Tensor& b_hh);

// True when FusedGru computes exactly what gru->forward(x) does: unidirectional, with biases, no
// dropout between layers in training, a 3-D input.
bool FusedGruApplies(const torch::nn::GRUImpl& gru, const torch::Tensor& x);

// Every layer of `gru` on x ([B, T, I] when batch_first, else [T, B, I]) from a zero initial
// state: the last layer's output at every step, laid out as the input ([B, T, H] or [T, B, H]),
// i.e. std::get<0>(gru->forward(x)). Requires FusedGruApplies(gru, x).
torch::Tensor FusedGru(torch::nn::GRUImpl& gru, const torch::Tensor& x);

// Process-wide: whether RawNet2 runs its GRU through FusedGru (the default) or LibTorch's nn::GRU
// (the same function; `antispoof bench --torch-gru` times it for comparison). The batch-1
// inference path (matrix-vector products) is used either way.
void SetFusedGruEnabled(bool enabled);
bool FusedGruEnabled();

}  // namespace antispoof::model
