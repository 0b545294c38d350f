#include "antispoof/model/summary.h"

#include "antispoof/common/strings.h"
#include "antispoof/model/rawnet2.h"

namespace antispoof::model {

ModelSummary Summarize(const ModelConfig& c) {
  RawNet2 net(c);
  ModelSummary s;
  auto params_with_prefix = [&](const std::string& prefix) {
    int64_t n = 0;
    for (const auto& p : net->named_parameters())
      if (StartsWith(p.key(), prefix)) n += p.value().numel();
    return n;
  };
  for (const auto& p : net->named_parameters()) s.parameters += p.value().numel();
  for (const auto& b : net->named_buffers()) s.buffers += b.value().numel();
  int64_t state_bytes = 0;
  for (const auto& p : net->named_parameters()) state_bytes += p.value().numel() * 4;
  for (const auto& b : net->named_buffers()) state_bytes += b.value().numel() * b.value().element_size();
  s.size_mb = state_bytes / 1e6;

  const int64_t taps = c.SincTaps();
  int64_t len = c.nb_samp - taps + 1;
  s.stages.push_back({"sinc_conv", {c.sinc_channels, len}, 0, int64_t{c.sinc_channels} * taps * len});
  len /= 3;
  s.stages.push_back({"first_bn (abs, max-pool 3, BN, SELU)", {c.sinc_channels, len},
                      params_with_prefix("first_bn."), 0});
  const int n_blocks = c.blocks[0] + c.blocks[1];
  for (int k = 0; k < n_blocks; ++k) {
    auto [cin, cout] = BlockChannels(c, k);
    int64_t macs = int64_t{cin} * cout * 3 * len + int64_t{cout} * cout * 3 * len;
    if (cin != cout) macs += int64_t{cin} * cout * len;
    if (c.attention == Attention::kSe) {
      int64_t hidden = ChannelAttentionImpl::HiddenSize(cout, c.se_reduction);
      macs += 2 * hidden * cout * (c.se_pooling == SePooling::kAvgMax ? 2 : 1);
    }
    len /= 3;
    const std::string name = "block" + std::to_string(k);
    s.stages.push_back({name, {cout, len}, params_with_prefix(name + "."), macs});
    const std::string fms = "fc_attention" + std::to_string(k);
    s.stages.push_back({fms + " (FMS)", {cout, len}, params_with_prefix(fms + "."), int64_t{cout} * cout});
  }
  const int64_t c_last = c.group2[1];
  s.stages.push_back({"bn_before_gru", {c_last, len}, params_with_prefix("bn_before_gru."), 0});
  int64_t gru_macs = 0;
  for (int l = 0; l < c.nb_gru_layer; ++l) {
    int64_t in = l == 0 ? c_last : c.gru_node;
    gru_macs += 3 * int64_t{c.gru_node} * (in + c.gru_node) * len;
  }
  s.stages.push_back({"gru", {c.gru_node}, params_with_prefix("gru."), gru_macs});
  s.stages.push_back({"fc1_gru", {c.nb_fc_node}, params_with_prefix("fc1_gru."),
                      int64_t{c.gru_node} * c.nb_fc_node});
  s.stages.push_back({"fc2_gru", {c.nb_classes}, params_with_prefix("fc2_gru."),
                      int64_t{c.nb_fc_node} * c.nb_classes});
  for (const auto& st : s.stages) s.macs += st.macs;
  return s;
}

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
