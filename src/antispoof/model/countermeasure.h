// The contract every countermeasure architecture meets, and the factory that builds one from a
// config. Code outside model/ (training, scoring, c10d, benchmarks, experiments) sees only this.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "antispoof/config/config.h"
#include "antispoof/model/summary.h"

namespace antispoof::model {

class CountermeasureImpl : public torch::nn::Module {
 public:
  explicit CountermeasureImpl(const ModelConfig& config) : config_(config) {}

  // x: [B, nb_samp] float samples (int16/32768 scale) -> [B, 2] outputs; column 0 is spoof,
  // column 1 bona fide. Column 1 is the score: higher = more bona fide. What the outputs are
  // (log-probabilities, logits) is the architecture's reference definition (OutputKind).
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;

  // The outputs as log-probabilities over (spoof, bona fide): the training and dev loss read them.
  virtual torch::Tensor LogProbabilities(const torch::Tensor& outputs) const = 0;
  // "log P(bona fide)" or "bona fide logit": what a score is, for help texts and reports.
  virtual std::string ScoreMeaning() const = 0;
  // The score above which the argmax of the two outputs is bona fide, when the score alone decides
  // it (log 1/2 for log-probabilities); nullopt when it takes both outputs (logits).
  virtual std::optional<double> ArgmaxScoreThreshold() const = 0;

  // A parameter-free front end that depends only on the input (training may compute it once per
  // utterance and cache it): HasFixedFrontEnd() says whether there is one in this configuration;
  // forward(x) == ForwardFromFrontEnd(FrontEnd(x)).
  virtual bool HasFixedFrontEnd() const { return false; }
  virtual torch::Tensor FrontEnd(const torch::Tensor& x);
  virtual torch::Tensor ForwardFromFrontEnd(const torch::Tensor& features);

  // Every parameter that training updates, with its state_dict name (the optimizer's state is keyed
  // by it). Parameters the reference never gives a gradient (RawNet2's and AASIST's dead bn1) are
  // left out, as the reference's Adam skips them.
  virtual std::vector<std::pair<std::string, torch::Tensor>> NamedTrainableParameters() = 0;
  std::vector<torch::Tensor> TrainableParameters();

  // "RawNet2", "RawNet2-SE", "AASIST": the name results and reports show.
  virtual std::string Name() const = 0;
  // Parameters, size and multiply-adds per stage (the stage named "sinc_conv" is the fixed front end's
  // convolution).
  virtual ModelSummary Summarize() const = 0;

  const ModelConfig& config() const { return config_; }

  // The arithmetic of forward (and its backward) from now on: fp32 (the default, exact to the
  // reference), bf16 (model/precision.h) or, for scoring only, int8 (model/quantized.h; a snapshot
  // of the weights: call it after loading them). Outputs stay float32 either way. Error (naming the
  // key `precision`) when the parameters' device cannot run it here or the architecture lacks it.
  void SetPrecision(Precision precision);
  Precision precision() const { return precision_; }

 protected:
  // The totals (parameters, buffers, float32 size, MACs) of this module over the given stages.
  ModelSummary SummaryWithStages(std::vector<StageSummary> stages) const;
  // Parameters whose state_dict name starts with `prefix`.
  int64_t ParametersWithPrefix(const std::string& prefix) const;

  // What an architecture prepares for `precision` before it takes effect (int8's packed weights);
  // Error when it has no implementation of it. The default implements fp32 and bf16.
  virtual void PreparePrecision(Precision precision);

  ModelConfig config_;
  Precision precision_ = Precision::kFp32;
};
TORCH_MODULE(Countermeasure);

// The architecture config.architecture names, built on the CPU with the global RNG's initialisation.
Countermeasure CreateModel(const ModelConfig& config);

}  // namespace antispoof::model
