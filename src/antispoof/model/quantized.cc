#include "antispoof/model/quantized.h"

#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>

#include "antispoof/common/error.h"

namespace antispoof::model {
namespace {

// The engine that packs the weights: FBGEMM where this LibTorch has it, else oneDNN. Chosen once.
std::optional<at::QEngine> Int8Engine() {
  static const std::optional<at::QEngine> engine = [] {
    const auto& supported = at::globalContext().supportedQEngines();
    for (at::QEngine e : {at::kFBGEMM, at::kONEDNN})
      if (std::find(supported.begin(), supported.end(), e) != supported.end()) return std::optional(e);
    return std::optional<at::QEngine>();
  }();
  return engine;
}

c10::OperatorHandle Op(const char* name) {
  // Looked up through the dispatcher: the packed-weights class is not part of LibTorch's public headers.
  return c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
}

// Per output row symmetric: scale = max |w_row| / 127 (a zero row gets a tiny scale, not 0).
torch::Tensor QuantizeRows(const torch::Tensor& w) {
  const torch::Tensor scales = (std::get<0>(w.abs().max(1)) / 127.0).clamp_min(1e-12).to(torch::kDouble);
  return torch::quantize_per_channel(w.contiguous(), scales, torch::zeros({w.size(0)}, torch::kLong), 0,
                                     torch::kQInt8);
}

// sum_j w[j] x[j] for one int8 row, accumulated in float32.
float DotScalar(const int8_t* w, const float* x, int64_t k) {
  float acc = 0;
  for (int64_t j = 0; j < k; ++j) acc += static_cast<float>(w[j]) * x[j];
  return acc;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float DotAvx2(const int8_t* w, const float* x, int64_t k) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= k; j += 16) {
    const __m128i w8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + j));
    const __m256 lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(w8));
    const __m256 hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(w8, 8)));
    acc0 = _mm256_fmadd_ps(lo, _mm256_loadu_ps(x + j), acc0);
    acc1 = _mm256_fmadd_ps(hi, _mm256_loadu_ps(x + j + 8), acc1);
  }
  const __m256 acc = _mm256_add_ps(acc0, acc1);
  const __m128 quad = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  const __m128 pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
  const float sum = _mm_cvtss_f32(_mm_add_ss(pair, _mm_shuffle_ps(pair, pair, 1)));
  return sum + DotScalar(w + j, x + j, k - j);
}
#endif

using DotFn = float (*)(const int8_t*, const float*, int64_t);
DotFn ChooseDot() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return DotAvx2;
#endif
  return DotScalar;
}

}  // namespace

bool Int8Available() { return Int8Engine().has_value(); }

Int8Linear::Int8Linear(const torch::Tensor& weight, const torch::Tensor& bias) {
  const std::optional<at::QEngine> engine = Int8Engine();
  if (!engine) Fail("precision: int8 needs LibTorch's FBGEMM or oneDNN quantized engine, and this LibTorch has neither");
  TORCH_CHECK(weight.dim() == 2 && weight.device().is_cpu(), "Int8Linear: weight must be [N, K] on the CPU");
  torch::NoGradGuard no_grad;
  // Packing reads the global engine; guard it so concurrent packs cannot see another's.
  static std::mutex engine_mutex;
  const std::lock_guard<std::mutex> lock(engine_mutex);
  const at::QEngine before = at::globalContext().qEngine();
  at::globalContext().setQEngine(*engine);
  std::vector<c10::IValue> stack{QuantizeRows(weight.detach().to(torch::kFloat)),
                                 bias.defined() ? c10::IValue(bias.detach().to(torch::kFloat).contiguous())
                                                : c10::IValue()};
  static const c10::OperatorHandle prepack = Op("quantized::linear_prepack");
  prepack.callBoxed(&stack);
  at::globalContext().setQEngine(before);
  packed_ = stack.at(0);
}

torch::Tensor Int8Linear::operator()(const torch::Tensor& x) const {
  static const c10::OperatorHandle linear = Op("quantized::linear_dynamic");
  std::vector<c10::IValue> stack{x.to(torch::kFloat).contiguous(), packed_, /*reduce_range=*/true};
  linear.callBoxed(&stack);
  return stack.at(0).toTensor();
}

Int8MatVec::Int8MatVec(const torch::Tensor& weight, const torch::Tensor& bias) {
  TORCH_CHECK(weight.dim() == 2 && weight.device().is_cpu(), "Int8MatVec: weight must be [N, K] on the CPU");
  torch::NoGradGuard no_grad;
  const torch::Tensor q = QuantizeRows(weight.detach().to(torch::kFloat));
  weight_ = q.int_repr().contiguous();
  scale_ = q.q_per_channel_scales().to(torch::kFloat).contiguous();
  bias_ = bias.defined() ? bias.detach().to(torch::kFloat).contiguous() : torch::zeros({weight.size(0)});
}

torch::Tensor Int8MatVec::operator()(const torch::Tensor& x_in) const {
  static const DotFn dot = ChooseDot();
  const torch::Tensor x = x_in.to(torch::kFloat).contiguous();
  const int64_t n = weight_.size(0), k = weight_.size(1);
  TORCH_CHECK(x.numel() == k, "Int8MatVec: expected ", k, " inputs, got ", x.numel());
  torch::Tensor y = torch::empty({n});
  const int8_t* w = weight_.data_ptr<int8_t>();
  const float *xp = x.data_ptr<float>(), *scale = scale_.data_ptr<float>(), *bias = bias_.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) yp[i] = scale[i] * dot(w + i * k, xp, k) + bias[i];
  });
  return y;
}

Int8Gru::Int8Gru(torch::nn::GRUImpl& gru)
    : hidden_(gru.options.hidden_size()), batch_first_(gru.options.batch_first()) {
  TORCH_CHECK(gru.options.bias() && !gru.options.bidirectional(), "Int8Gru: a unidirectional GRU with biases");
  auto params = gru.named_parameters(/*recurse=*/false);
  for (int64_t l = 0; l < gru.options.num_layers(); ++l) {
    const std::string s = "_l" + std::to_string(l);
    layers_.push_back({Int8Linear(params["weight_ih" + s], params["bias_ih" + s]),
                       Int8Linear(params["weight_hh" + s], params["bias_hh" + s]),
                       Int8MatVec(params["weight_hh" + s], params["bias_hh" + s])});
  }
}

torch::Tensor Int8Gru::operator()(const torch::Tensor& x_in) const {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(x_in.dim() == 3, "Int8Gru expects a 3-D input, got ", x_in.sizes());
  torch::Tensor seq = (batch_first_ ? x_in.transpose(0, 1) : x_in).to(torch::kFloat).contiguous();  // [T, B, I]
  const int64_t steps = seq.size(0), batch = seq.size(1), hidden = hidden_;
  for (const Layer& layer : layers_) {
    // Every step's input projection at once: [T * B, I] -> [T, B, 3H].
    const torch::Tensor gi = layer.input(seq.reshape({steps * batch, seq.size(2)})).view({steps, batch, 3 * hidden});
    torch::Tensor y = torch::empty({steps, batch, hidden}, seq.options());
    torch::Tensor h_prev = torch::zeros({batch, hidden}, seq.options());
    for (int64_t t = 0; t < steps; ++t) {
      // gate order r, z, n
      const torch::Tensor gh = batch == 1 ? layer.recurrent_one(h_prev).unsqueeze(0) : layer.recurrent(h_prev);
      const torch::Tensor gi_t = gi[t];
      const torch::Tensor rz = (gi_t.narrow(1, 0, 2 * hidden) + gh.narrow(1, 0, 2 * hidden)).sigmoid_();
      const torch::Tensor r = rz.narrow(1, 0, hidden), z = rz.narrow(1, hidden, hidden);
      const torch::Tensor n = torch::addcmul(gi_t.narrow(1, 2 * hidden, hidden), r, gh.narrow(1, 2 * hidden, hidden)).tanh_();
      torch::Tensor h = y[t];
      torch::sub_out(h, h_prev, n);  // h = (h_prev - n) z + n = (1 - z) n + z h_prev
      h.mul_(z).add_(n);
      h_prev = h;
    }
    seq = y;
  }
  return batch_first_ ? seq.transpose(0, 1).contiguous() : seq;
}

}  // namespace antispoof::model
