#include "antispoof/model/gru.h"

#include <ATen/Parallel.h>

#include "antispoof/model/precision.h"

#include <atomic>
#include <string>

namespace antispoof::model {
namespace {
std::atomic<bool> fused_gru_enabled{true};

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// One layer's forward, time-major. x [T, B, I] contiguous -> y [T, B, H]. When gates_out is given
// it receives [T, B, 4H]: per step r, z, n and W_hn h + b_hn (what the backward reads); otherwise
// one step's scratch is reused. With bf16 the two GEMMs take bfloat16 operands (model/precision.h);
// the state, the gates and their math stay float32.
Tensor LayerForward(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                    const Tensor& b_hh, Tensor* gates_out, bool bf16) {
  const int64_t steps = x.size(0), batch = x.size(1), hidden = w_hh.size(1);
  // Every step's input projection in one GEMM: [T * B, I] x [I, 3H].
  const Tensor x_rows = x.reshape({steps * batch, x.size(2)});
  const Tensor gi = (bf16 ? MatMul(x_rows, w_ih.t(), true).add_(b_ih) : torch::addmm(b_ih, x_rows, w_ih.t()))
                        .view({steps, batch, 3 * hidden});
  Tensor y = torch::empty({steps, batch, hidden}, x.options());
  Tensor gates = torch::empty({gates_out ? steps : 1, batch, 4 * hidden}, x.options());
  Tensor gh = torch::empty({batch, 3 * hidden}, x.options());
  const Tensor h0 = torch::zeros({batch, hidden}, x.options());
  const Tensor w_hh_t = bf16 ? w_hh.t().to(torch::kBFloat16) : w_hh.t();  // rounded once, not per step
  for (int64_t t = 0; t < steps; ++t) {
    const Tensor h_prev = t == 0 ? h0 : y[t - 1];
    if (bf16)
      torch::add_out(gh, b_hh, MatMul(h_prev, w_hh_t, true));
    else
      torch::addmm_out(gh, b_hh, h_prev, w_hh_t);  // gate order r, z, n
    const Tensor g = gates[gates_out ? t : 0];
    const Tensor gi_t = gi[t];
    Tensor rz = g.narrow(1, 0, 2 * hidden);
    torch::add_out(rz, gi_t.narrow(1, 0, 2 * hidden), gh.narrow(1, 0, 2 * hidden));
    rz.sigmoid_();
    const Tensor r = g.narrow(1, 0, hidden), z = g.narrow(1, hidden, hidden);
    Tensor n = g.narrow(1, 2 * hidden, hidden), ghn = g.narrow(1, 3 * hidden, hidden);
    ghn.copy_(gh.narrow(1, 2 * hidden, hidden));
    torch::addcmul_out(n, gi_t.narrow(1, 2 * hidden, hidden), r, ghn);
    n.tanh_();
    // h = (h_prev - n) * z + n, LibTorch's own order of the same (1 - z) n + z h_prev.
    Tensor h = y[t];
    torch::sub_out(h, h_prev, n);
    h.mul_(z).add_(n);
  }
  if (gates_out) *gates_out = gates;
  return y;
}

// One step's gate gradients from dh = dL/dh_t (all rows contiguous, row length H or 4H):
// dgi = dL/d(W_i x + b_i) [B, 3H], dgh = dL/d(W_h h + b_h) [B, 3H] (they differ in the n part by
// the factor r), carry = dh * z + dy_prev (dy_prev may be null: the step before the first).
template <typename T>
void GateBackward(int64_t batch, int64_t hidden, const T* dh, const T* gates, const T* h_prev,
                  const T* dy_prev, T* dgi, T* dgh, T* carry) {
  const int64_t grain = std::max<int64_t>(1, 8192 / hidden);
  at::parallel_for(0, batch, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* g = gates + b * 4 * hidden;
      const T* d = dh + b * hidden;
      T* gi = dgi + b * 3 * hidden;
      T* gh = dgh + b * 3 * hidden;
      T* c = carry + b * hidden;
      for (int64_t j = 0; j < hidden; ++j) {
        const T r = g[j], z = g[hidden + j], n = g[2 * hidden + j], ghn = g[3 * hidden + j];
        const T hp = h_prev ? h_prev[b * hidden + j] : T(0);
        const T dn = d[j] * (T(1) - z) * (T(1) - n * n);  // through tanh
        const T dz = d[j] * (hp - n) * z * (T(1) - z);     // through sigmoid
        const T dr = dn * ghn * r * (T(1) - r);
        gi[j] = dr;
        gi[hidden + j] = dz;
        gi[2 * hidden + j] = dn;
        gh[j] = dr;
        gh[hidden + j] = dz;
        gh[2 * hidden + j] = dn * r;
        c[j] = d[j] * z + (dy_prev ? dy_prev[b * hidden + j] : T(0));
      }
    }
  });
}

struct GruLayerFunction : public torch::autograd::Function<GruLayerFunction> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& w_ih, const Tensor& w_hh,
                        const Tensor& b_ih, const Tensor& b_hh, bool bf16) {
    Tensor gates;
    Tensor y = LayerForward(x, w_ih, w_hh, b_ih, b_hh, &gates, bf16);
    ctx->save_for_backward({x, w_ih, w_hh, y});
    ctx->saved_data["gates"] = gates;  // not an input or output: no version tracking needed
    ctx->saved_data["bf16"] = bf16;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list saved = ctx->get_saved_variables();
    const Tensor &x = saved[0], &w_ih = saved[1], &w_hh = saved[2], &y = saved[3];
    const Tensor gates = ctx->saved_data["gates"].toTensor();
    // The forward's precision, whatever autocast state the backward runs under.
    const bool bf16 = ctx->saved_data["bf16"].toBool();
    const PrecisionScope explicit_dtypes(Precision::kFp32, torch::kCPU);
    const Tensor w_hh_gemm = bf16 ? w_hh.to(torch::kBFloat16) : w_hh;
    const Tensor dy = grads[0].contiguous();
    const int64_t steps = x.size(0), batch = x.size(1), hidden = w_hh.size(1);
    Tensor dgi = torch::empty({steps, batch, 3 * hidden}, x.options());
    Tensor dgh = torch::empty({steps, batch, 3 * hidden}, x.options());
    Tensor dh = dy[steps - 1].clone();
    Tensor carry = torch::empty({batch, hidden}, x.options());
    for (int64_t t = steps - 1; t >= 0; --t) {
      AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "GruLayerBackward", [&] {
        GateBackward<scalar_t>(batch, hidden, dh.data_ptr<scalar_t>(), gates[t].data_ptr<scalar_t>(),
                               t > 0 ? y[t - 1].data_ptr<scalar_t>() : nullptr,
                               t > 0 ? dy[t - 1].data_ptr<scalar_t>() : nullptr,
                               dgi[t].data_ptr<scalar_t>(), dgh[t].data_ptr<scalar_t>(),
                               carry.data_ptr<scalar_t>());
      });
      // dL/dh_{t-1} = dh * z + dy_{t-1} + dgh_t W_hh (h_{-1} = 0 is a constant: nothing to carry).
      if (t > 0 && bf16) torch::add_out(dh, carry, MatMul(dgh[t], w_hh_gemm, true));
      if (t > 0 && !bf16) torch::addmm_out(dh, carry, dgh[t], w_hh);
    }
    const Tensor dgi_rows = dgi.view({steps * batch, 3 * hidden});
    const Tensor dgh_rows = dgh.view({steps * batch, 3 * hidden});
    Tensor dx, dw_ih, dw_hh, db_ih, db_hh;
    if (ctx->needs_input_grad(0)) dx = MatMul(dgi_rows, w_ih, bf16).view(x.sizes());
    if (ctx->needs_input_grad(1)) dw_ih = MatMul(dgi_rows.t(), x.reshape({steps * batch, x.size(2)}), bf16);
    if (ctx->needs_input_grad(2)) {
      // Step 0's h_prev is zero: only steps 1.. contribute.
      const int64_t rows = (steps - 1) * batch;
      dw_hh = steps > 1 ? MatMul(dgh_rows.narrow(0, batch, rows).t(),
                                 y.narrow(0, 0, steps - 1).reshape({rows, hidden}), bf16)
                        : torch::zeros_like(w_hh);
    }
    if (ctx->needs_input_grad(3)) db_ih = dgi_rows.sum(0);
    if (ctx->needs_input_grad(4)) db_hh = dgh_rows.sum(0);
    return {dx, dw_ih, dw_hh, db_ih, db_hh, Tensor()};
  }
};
}  // namespace

Tensor FusedGruLayer(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  TORCH_CHECK(x.dim() == 3 && x.size(0) > 0 && x.size(1) > 0, "FusedGruLayer: x must be [T, B, I], got ",
              x.sizes());
  // The GEMMs' precision follows the caller's autocast; the layer then runs with autocast off and
  // its dtypes explicit (float32 state and gates, bfloat16 GEMM operands when bf16).
  const bool bf16 = Bf16Active(torch::kCPU) && x.scalar_type() != torch::kDouble;
  const PrecisionScope explicit_dtypes(Precision::kFp32, torch::kCPU);
  const Tensor xc = (bf16 ? x.to(torch::kFloat) : x).contiguous();
  const bool needs_graph = torch::GradMode::is_enabled() &&
                           (x.requires_grad() || w_ih.requires_grad() || w_hh.requires_grad() ||
                            b_ih.requires_grad() || b_hh.requires_grad());
  if (needs_graph) return GruLayerFunction::apply(xc, w_ih, w_hh, b_ih, b_hh, bf16);
  return LayerForward(xc, w_ih, w_hh, b_ih, b_hh, nullptr, bf16);
}

bool FusedGruApplies(const torch::nn::GRUImpl& gru, const torch::Tensor& x) {
  const auto& o = gru.options;
  if (x.dim() != 3 || !x.device().is_cpu() || x.numel() == 0) return false;
  // bfloat16 activations come from a bf16 PrecisionScope; the layers take them back to float32.
  const bool autocast_input = x.scalar_type() == torch::kBFloat16 && Bf16Active(torch::kCPU);
  if (x.scalar_type() != torch::kFloat && x.scalar_type() != torch::kDouble && !autocast_input) return false;
  if (!o.bias() || o.bidirectional()) return false;
  if (gru.is_training() && o.dropout() > 0 && o.num_layers() > 1) return false;
  for (const auto& p : gru.parameters(/*recurse=*/false))
    if (p.scalar_type() != (autocast_input ? torch::kFloat : x.scalar_type()) || !p.device().is_cpu()) return false;
  return true;
}

Tensor FusedGru(torch::nn::GRUImpl& gru, const Tensor& x) {
  TORCH_CHECK(FusedGruApplies(gru, x), "FusedGru: this GRU or input (", x.sizes(), ") needs torch::nn::GRU");
  const auto& o = gru.options;
  auto params = gru.named_parameters(/*recurse=*/false);
  Tensor seq = o.batch_first() ? x.transpose(0, 1) : x;
  for (int64_t l = 0; l < o.num_layers(); ++l) {
    const std::string k = "_l" + std::to_string(l);
    seq = FusedGruLayer(seq, params["weight_ih" + k], params["weight_hh" + k], params["bias_ih" + k],
                        params["bias_hh" + k]);
  }
  return o.batch_first() ? seq.transpose(0, 1) : seq;
}

void SetFusedGruEnabled(bool enabled) { fused_gru_enabled = enabled; }
bool FusedGruEnabled() { return fused_gru_enabled; }

}  // namespace antispoof::model
