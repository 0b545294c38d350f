#include "antispoof/model/precision.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "antispoof/common/error.h"
#include "antispoof/model/quantized.h"

namespace antispoof::model {
namespace {
// LibTorch 2.4 replaced the per-device autocast setters by ones taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool AutocastEnabled(torch::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
void SetAutocastEnabled(torch::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
at::ScalarType AutocastDtype(torch::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void SetAutocastDtype(torch::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
bool AutocastEnabled(torch::DeviceType d) {
  return d == torch::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
void SetAutocastEnabled(torch::DeviceType d, bool on) {
  d == torch::kCPU ? at::autocast::set_cpu_enabled(on) : at::autocast::set_enabled(on);
}
at::ScalarType AutocastDtype(torch::DeviceType d) {
  return d == torch::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void SetAutocastDtype(torch::DeviceType d, at::ScalarType t) {
  d == torch::kCPU ? at::autocast::set_autocast_cpu_dtype(t) : at::autocast::set_autocast_gpu_dtype(t);
}
#endif
}  // namespace

bool CpuHasBf16() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool amx_bf16 = (edx >> 22) & 1u;
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  const bool avx512_bf16 = (eax >> 5) & 1u;
  return amx_bf16 || avx512_bf16;
#else
  return false;
#endif
}

void CheckPrecisionSupported(Precision precision, const torch::Device& device) {
  if (precision == Precision::kInt8 && !device.is_cpu())
    throw Error("precision: int8 runs on the CPU only; use fp32 or bf16 on " + device.str());
  if (precision == Precision::kInt8 && !Int8Available())
    throw Error("precision: int8 needs LibTorch's FBGEMM or oneDNN quantized engine, and this LibTorch has neither");
  if (precision == Precision::kBf16 && device.is_cpu() && !CpuHasBf16())
    throw Error("precision: bf16 needs a CPU with AVX512-BF16 or AMX-BF16, and this one has neither "
                "(LibTorch would emulate it, slower than fp32); use precision: fp32");
}

PrecisionScope::PrecisionScope(Precision precision, torch::DeviceType device_type)
    : device_type_(device_type),
      was_enabled_(AutocastEnabled(device_type)),
      was_dtype_(AutocastDtype(device_type)) {
  const bool bf16 = precision == Precision::kBf16;
  SetAutocastEnabled(device_type_, bf16);
  if (bf16) {
    SetAutocastDtype(device_type_, at::kBFloat16);
    at::autocast::increment_nesting();
  }
}

PrecisionScope::~PrecisionScope() {
  // As Python's autocast exit: the cast weights are cached until the outermost scope ends.
  if (AutocastEnabled(device_type_) && at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  SetAutocastEnabled(device_type_, was_enabled_);
  SetAutocastDtype(device_type_, was_dtype_);
}

bool Bf16Active(torch::DeviceType device_type) {
  return AutocastEnabled(device_type) && AutocastDtype(device_type) == at::kBFloat16;
}

torch::Tensor MatMul(const torch::Tensor& a, const torch::Tensor& b, bool bf16) {
  if (!bf16) return a.mm(b);
  return a.to(at::kBFloat16).mm(b.to(at::kBFloat16)).to(at::kFloat);
}

}  // namespace antispoof::model
