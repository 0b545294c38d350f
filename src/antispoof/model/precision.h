// Reduced precision for a countermeasure's forward (and, through autograd, its backward).
//
// Contract: inside a bf16 PrecisionScope, LibTorch's autocast runs the convolutions, linear layers
// and matrix products in bfloat16 (inputs and weights rounded to 8 significant bits, products
// accumulated in float32 by oneDNN, results returned in bfloat16); every other op (batch norm, the
// FFT front end, softmax, the loss) keeps float32. The weights and the optimizer's state stay
// float32. A fp32 scope turns autocast off, so fp32 is exact to the reference whatever the caller set.
#pragma once

#include <torch/torch.h>

#include <string>

#include "antispoof/config/config.h"

namespace antispoof::model {

// Whether this CPU computes in bfloat16 natively (AVX512-BF16 or AMX-BF16). Elsewhere LibTorch would
// emulate it more slowly than float32, so bf16 is refused there (CheckPrecisionSupported).
bool CpuHasBf16();

// Error "precision: bf16 needs ..." when `precision` cannot run on `device` on this machine.
void CheckPrecisionSupported(Precision precision, const torch::Device& device);

// Autocast for `device_type` in bfloat16 (kBf16) or off (kFp32) until the scope ends; the previous
// state is restored. Thread-local, as autocast is: the thread that calls forward opens it.
class PrecisionScope {
 public:
  PrecisionScope(Precision precision, torch::DeviceType device_type);
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  torch::DeviceType device_type_;
  bool was_enabled_;
  at::ScalarType was_dtype_;
};

// True inside a bf16 PrecisionScope for `device_type`.
bool Bf16Active(torch::DeviceType device_type);

// a [M, K] x b [K, N] -> float32 [M, N]. With bf16 the operands are rounded to bfloat16 (b may
// already be), the product is formed as autocast's would be and returned in float32.
torch::Tensor MatMul(const torch::Tensor& a, const torch::Tensor& b, bool bf16);

}  // namespace antispoof::model
