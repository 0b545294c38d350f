// A countermeasure as a self-contained TorchScript module: the eval-mode forward of its
// architecture written out as TorchScript source (from the model's config) over copies of the
// model's own parameters and buffers, registered under their reference state_dict names. Running
// it needs LibTorch (torch::jit::load) or PyTorch (torch.jit.load), no antispoof code.
#pragma once

#include <torch/script.h>

#include <string>

#include "antispoof/model/countermeasure.h"

namespace antispoof::exporting {

// forward(x: Tensor [B, N] float32 samples, int16/32768 scale) -> Tensor [B, 2]: the model's
// eval-mode outputs (RawNet2: log-probabilities, AASIST: logits; column 1 is bona fide, the score,
// higher = more bona fide). N is the config's nb_samp or any length the model accepts. The module's
// parameters and buffers are CPU copies named as the model's state_dict (submodules `block0`, `0`,
// ...), plus the fixed sinc bank [C, 1, K] as the buffer `<sinc module>.filters` (Sinc_conv for
// RawNet2, conv_time for AASIST). The module is in eval mode; it has no training behaviour.
torch::jit::Module ToTorchScript(model::CountermeasureImpl& model);

// The TorchScript source that ToTorchScript defines on the module (helpers and forward).
std::string TorchScriptSource(const model::CountermeasureImpl& model);

// ToTorchScript(model) serialized as torch.jit.save writes it (a zip archive), with the extra file
// antispoof.json (ExportMetadata).
std::string TorchScriptBytes(model::CountermeasureImpl& model);

}  // namespace antispoof::exporting
