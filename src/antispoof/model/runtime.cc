#include "antispoof/model/runtime.h"

#include <thread>

#include "antispoof/common/error.h"
#include "antispoof/common/process.h"

namespace antispoof::model {

int ConfigureThreads(int threads) {
  if (threads < 0) Fail("intra-op threads: " + std::to_string(threads) + " is negative (0 = all cores)");
  const int n = threads > 0 ? BoundedThreads(threads, "intra-op threads") : MachineCores();
  torch::set_num_threads(n);
  return n;
}

torch::Device ParseDevice(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      Fail("device '" + name + "': this LibTorch build has no CUDA or no GPU is visible; use --device cpu");
    return torch::Device(name);
  }
  Fail("device '" + name + "': expected cpu, cuda or cuda:N");
}

std::string LibTorchVersion() {
#ifdef TORCH_VERSION
  return TORCH_VERSION;
#else
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
#endif
}

}  // namespace antispoof::model
