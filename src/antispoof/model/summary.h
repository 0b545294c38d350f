// Size and compute of a model: parameters, buffers, float32 size, multiply-adds per stage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "antispoof/config/config.h"

namespace antispoof::model {

struct StageSummary {
  std::string name;
  std::vector<int64_t> output_shape;  // per utterance (no batch axis)
  int64_t parameters = 0;             // trainable parameters owned by this stage
  int64_t macs = 0;                   // multiply-adds of its convolutions, linear layers and GRU
};

struct ModelSummary {
  int64_t parameters = 0;  // every trainable tensor (bn1 included, as the reference counts)
  int64_t buffers = 0;     // BatchNorm running statistics and counters
  double size_mb = 0;      // float32 state_dict size, MB (1e6 bytes)
  int64_t macs = 0;        // per nb_samp input
  std::vector<StageSummary> stages;
  nlohmann::json ToJson() const;
  std::string ToTable() const;
};

// The summary of the config's model (built once on the CPU to count its tensors; MACs are counted
// analytically by each architecture).
ModelSummary Summarize(const ModelConfig& config);

}  // namespace antispoof::model
