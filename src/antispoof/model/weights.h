// RawNet2 weights <-> PyTorch state_dicts with the reference key names.
#pragma once

#include <string>
#include <vector>

#include "antispoof/model/rawnet2.h"
#include "antispoof/pth/pth.h"

namespace antispoof::model {

// The model's state_dict in PyTorch's order (per module: parameters, then buffers), on the CPU;
// for a CPU model the tensors are views of the live parameters (clone to keep a snapshot).
pth::StateDict StateDictOf(torch::nn::Module& model);

// Copies every entry into the model. Any missing, unexpected or mis-shaped key is an Error that
// lists them all by name (with both shapes), prefixed with `source` (the file); so is a tensor holding
// a NaN or an infinity (the first such one in the file's order, with the count and the first element).
// Nothing is copied unless everything matches.
void LoadStateDict(torch::nn::Module& model, const pth::StateDict& state, const std::string& source);

// Reads a .pth file (zip or legacy format, ours or PyTorch's) into the model.
void LoadWeights(torch::nn::Module& model, const std::string& path);

// Writes a PyTorch-readable state_dict file (atomically) with antispoof's metadata JSON.
void SaveWeights(torch::nn::Module& model, const std::string& path, const std::string& metadata_json);

}  // namespace antispoof::model
