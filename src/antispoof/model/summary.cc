#include "antispoof/model/summary.h"

#include "antispoof/common/strings.h"

namespace antispoof::model {

nlohmann::json ModelSummary::ToJson() const {
  nlohmann::json j;
  j["parameters"] = parameters;
  j["buffers"] = buffers;
  j["size_mb"] = size_mb;
  j["macs"] = macs;
  j["stages"] = nlohmann::json::array();
  for (const auto& st : stages)
    j["stages"].push_back({{"name", st.name}, {"output_shape", st.output_shape},
                           {"parameters", st.parameters}, {"macs", st.macs}});
  return j;
}

std::string ModelSummary::ToTable() const {
  std::string out = Format("%-38s %-14s %12s %15s\n", "stage", "output", "parameters", "MACs");
  for (const auto& st : stages) {
    std::string shape = "[";
    for (size_t i = 0; i < st.output_shape.size(); ++i)
      shape += (i ? "," : "") + std::to_string(st.output_shape[i]);
    shape += "]";
    out += Format("%-38s %-14s %12lld %15lld\n", st.name.c_str(), shape.c_str(),
                  static_cast<long long>(st.parameters), static_cast<long long>(st.macs));
  }
  out += Format("%-38s %-14s %12lld %15lld\n", "total", "", static_cast<long long>(parameters),
                static_cast<long long>(macs));
  out += Format("buffers: %lld  size: %.3f MB (float32)  GMACs per utterance: %.3f\n",
                static_cast<long long>(buffers), size_mb, macs / 1e9);
  return out;
}

}  // namespace antispoof::model
