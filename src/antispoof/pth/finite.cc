#include <cmath>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/pth/pth.h"

namespace antispoof::pth {

void RequireFiniteTensors(const StateDict& state, const std::string& source) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : state) {
    if (!tensor.is_floating_point() || tensor.numel() == 0) continue;
    const torch::Tensor bad = torch::logical_not(torch::isfinite(tensor)).flatten();
    const int64_t count = bad.sum().item<int64_t>();
    if (count == 0) continue;
    const int64_t first = bad.nonzero()[0][0].item<int64_t>();
    const double value = tensor.flatten()[first].item<double>();
    std::string shape;
    for (int64_t d : tensor.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    FailAt(source, 0, Format("tensor '%s' [%s] holds %lld non-finite value%s (element %lld is %s); a checkpoint's "
                             "tensors must be finite (did training diverge?)",
                             name.c_str(), shape.c_str(), static_cast<long long>(count), count == 1 ? "" : "s",
                             static_cast<long long>(first),
                             std::isnan(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity"));
  }
}

}  // namespace antispoof::pth
