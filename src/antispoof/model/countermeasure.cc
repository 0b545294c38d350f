#include "antispoof/model/countermeasure.h"

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/model/aasist.h"
#include "antispoof/model/precision.h"
#include "antispoof/model/rawnet2.h"

namespace antispoof::model {

torch::Tensor CountermeasureImpl::FrontEnd(const torch::Tensor&) {
  Fail(Name() + " has no fixed front end in this configuration (cache_front_end needs one)");
}

torch::Tensor CountermeasureImpl::ForwardFromFrontEnd(const torch::Tensor&) {
  Fail(Name() + " has no fixed front end in this configuration (cache_front_end needs one)");
}

void CountermeasureImpl::SetPrecision(Precision precision) {
  const auto params = parameters();
  CheckPrecisionSupported(precision, params.empty() ? torch::Device(torch::kCPU) : params.front().device());
  PreparePrecision(precision);
  precision_ = precision;
}

void CountermeasureImpl::PreparePrecision(Precision precision) {
  if (precision == Precision::kInt8)
    throw Error("precision: int8 quantizes RawNet2's GRU only, and " + Name() +
                " has none: its time is in its convolutions (use fp32 or bf16)");
}

std::vector<torch::Tensor> CountermeasureImpl::TrainableParameters() {
  std::vector<torch::Tensor> live;
  for (auto& [_, p] : NamedTrainableParameters()) live.push_back(p);
  return live;
}

int64_t CountermeasureImpl::ParametersWithPrefix(const std::string& prefix) const {
  int64_t n = 0;
  for (const auto& p : named_parameters())
    if (StartsWith(p.key(), prefix)) n += p.value().numel();
  return n;
}

ModelSummary CountermeasureImpl::SummaryWithStages(std::vector<StageSummary> stages) const {
  ModelSummary s;
  int64_t state_bytes = 0;
  for (const auto& p : named_parameters()) {
    s.parameters += p.value().numel();
    state_bytes += p.value().numel() * 4;
  }
  for (const auto& b : named_buffers()) {
    s.buffers += b.value().numel();
    state_bytes += b.value().numel() * b.value().element_size();
  }
  s.size_mb = state_bytes / 1e6;
  s.stages = std::move(stages);
  for (const auto& st : s.stages) s.macs += st.macs;
  return s;
}

Countermeasure CreateModel(const ModelConfig& config) {
  std::shared_ptr<CountermeasureImpl> model;
  switch (config.architecture) {
    case Architecture::kRawNet2:
      model = std::make_shared<RawNet2Impl>(config);
      break;
    case Architecture::kAasist:
      model = std::make_shared<AasistImpl>(config);
      break;
  }
  if (model) return Countermeasure(model);
  Fail("unknown architecture (known: " + ArchitectureNames() + ")");
}

ModelSummary Summarize(const ModelConfig& config) { return CreateModel(config)->Summarize(); }

}  // namespace antispoof::model
