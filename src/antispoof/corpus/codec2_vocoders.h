// Copy-synthesis through Debian's libcodec2, in process: the LPCNet neural vocoder (WaveRNN
// family, 16 kHz) and the Codec 2 sinusoidal vocoder (8 kHz).
//
// Determinism: libcodec2 draws from the C library's rand() and from its own nnet_rand() (LPCNet's
// excitation sampling) and codec2_rand() (Codec 2's unvoiced phases), all process-wide state. This
// unit replaces the three for the whole program with per-thread generators (codec2_vocoders.cc;
// the library calls them through its PLT), and each call below seeds its thread's generators first, so that the output depends only on the input and `seed`, whatever
// runs on other threads.
#pragma once

#include <cstdint>

#include "antispoof/corpus/dsp.h"

namespace antispoof::corpus {

// LPCNet quantiser (lpcnet_freedv_create's vq_type): 0 = predictive VQ (the FreeDV 2020 default,
// 1733 bit/s), 1 = direct-split VQ.
// x: 16 kHz mono in [-1, 1]; returns x.size() samples aligned with x (the codec's delay removed).
Signal LpcnetCopySynthesis(const Signal& x, int vq_type, uint64_t seed);

// Codec 2 in `mode` (3200, 2400, 1600, 1300 or 1200 bit/s) on x resampled to 8 kHz; back at
// 16 kHz, the 4-8 kHz band is the spectral fold of the 0-4 kHz band at `fold_gain` (the
// bandwidth extension of a narrow-band vocoder). x: 16 kHz; returns x.size() samples aligned with
// x. Error for another mode.
Signal Codec2Vocoder(const Signal& x, int mode, double fold_gain, uint64_t seed);

// The delays (16 kHz samples) that the two functions remove, measured on speech (unit test).
int LpcnetDelay();
int Codec2Delay();

}  // namespace antispoof::corpus
