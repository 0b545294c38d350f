// The corpus's copy-synthesis attacks: vocoders and voice-conversion-like transforms of a bona
// fide signal (16 kHz input). The synthesiser attacks (espeak-ng, flite, festival) and those run
// by external programs (praat, SPTK) are driven by the corpus builder.
#pragma once

#include "antispoof/corpus/dsp.h"

namespace antispoof::corpus {

// Fast Griffin-Lim (momentum 0.99) from the STFT magnitude of x, random initial phase.
Signal GriffinLim(const Signal& x, int n_fft, int hop, int iterations, Rng& rng);
// Griffin-Lim from a log-mel spectrogram of x (`mels` triangular bands).
Signal MelInversion(const Signal& x, int sample_rate, int mels, int iterations, Rng& rng);
// LPC analysis-synthesis: pulse train at the tracked pitch, noise when unvoiced.
Signal LpcVocoder(const Signal& x, int sample_rate, int order, Rng& rng);
// Spectral envelope (cepstral smoothing) warped by alpha along frequency, applied as a
// time-varying filter on the original STFT.
Signal EnvelopeWarp(const Signal& x, int sample_rate, double alpha);

}  // namespace antispoof::corpus
