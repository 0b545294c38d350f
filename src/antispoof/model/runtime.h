// Process-wide LibTorch settings: threads, device, versions.
#pragma once

#include <torch/torch.h>

#include <string>

namespace antispoof::model {

// Intra-op threads: `threads` > 0, else every core (Debian's LibTorch starts with one).
// Returns the count in use.
int ConfigureThreads(int threads);

// "cpu", "cuda", "cuda:N"; Error when CUDA is asked for and this LibTorch has none.
torch::Device ParseDevice(const std::string& name);

std::string LibTorchVersion();

}  // namespace antispoof::model
