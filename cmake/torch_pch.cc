// Carries the one precompiled <torch/torch.h> that every LibTorch target reuses (CMakeLists.txt).
