// The fixed Mel-spaced sinc band-pass front end of RawNet2 (the ASVspoof 2021 LA baseline's). No parameters and no
// state_dict entries: the bank is built once from the config, not per forward.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "antispoof/config/config.h"

namespace antispoof::model {

// channels+1 band edges in Hz, Mel-spaced from 0 to sample_rate/2 (the reference's 257-point grid
// spans exactly that range).
std::vector<double> MelBandEdges(int channels, int sample_rate);

// [channels, taps] float32 filters: Hamming-windowed difference of two ideal low-pass sincs,
// computed in double precision.
torch::Tensor MelSincFilters(int channels, int taps, int sample_rate);

class SincConvImpl : public torch::nn::Module {
 public:
  SincConvImpl(int channels, int taps, int sample_rate, SincImpl impl);
  // x: [B, 1, N] -> [B, channels, N - taps + 1] (valid cross-correlation, no bias).
  torch::Tensor forward(const torch::Tensor& x);
  // max_pool1d(|forward(x)|, pool) without autograd: [B, 1, N] -> [B, channels, (N - taps + 1) / pool].
  // On the CPU with the FFT path and at least one utterance per intra-op thread, it is computed one
  // utterance at a time across the threads, pooling each correlation while it is in cache: the
  // [B, channels, N] intermediate is never held (inference's peak RSS at batch 32: 1.1 GB -> 0.6 GB).
  // Its values equal the composition's to float rounding: pocketfft vectorises several transforms at
  // once, grouped by the batch it is given.
  torch::Tensor PooledMagnitude(const torch::Tensor& x, int64_t pool);
  const torch::Tensor& filters() const { return filters_; }
  SincImpl impl() const { return impl_; }
  void set_impl(SincImpl impl) { impl_ = impl; }

 private:
  torch::Tensor Direct(const torch::Tensor& x);
  torch::Tensor Fft(const torch::Tensor& x);
  // PooledMagnitude's per-utterance path for utterance b into out [B, channels, pooled].
  void PooledMagnitudeOf(const torch::Tensor& x, int64_t b, int64_t pool, const torch::Tensor& spectrum,
                         torch::Tensor& out) const;
  // The bank on the input's device (cached per device).
  const torch::Tensor& FiltersOn(const torch::Device& device);
  // conj(rfft(filter)) for one FFT size and device (cached).
  const torch::Tensor& SpectrumFor(int64_t n_fft, const torch::Device& device);

  torch::Tensor filters_;  // CPU master copy
  torch::Tensor filters_on_device_;
  torch::Tensor spectrum_;
  int64_t spectrum_n_fft_ = 0;
  SincImpl impl_;
};
TORCH_MODULE(SincConv);

// Smallest 2^a 3^b 5^c >= n (sizes pocketfft/cuFFT handle fast).
int64_t FastFftSize(int64_t n);

}  // namespace antispoof::model
