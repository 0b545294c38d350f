// A small synthetic corpus in the ASVspoof 2019 LA layout, written at test time (tests that need
// real speech use `antispoof corpus`). Bona fide: amplitude-modulated noise; spoof: harmonic tones.
#pragma once

#include <string>

namespace antispoof::testing {

struct SyntheticCorpusOptions {
  int train = 24, dev = 12, eval = 12;  // utterances per split, one in three bona fide
  int samples = 8000;                   // per file (some are shorter, to exercise tiling)
  unsigned seed = 1;
};

// Writes <dir>/LA/ASVspoof2019_LA_{train,dev,eval}/flac/*.flac and the three CM protocols; returns
// the LA folder.
std::string WriteSyntheticCorpus(const std::string& dir, const SyntheticCorpusOptions& options = {});

// A RawNet2 config small enough to train in seconds (same structure, narrow GRU and FC).
std::string WriteTinyConfig(const std::string& dir, int nb_samp = 8000, const std::string& extra_model_keys = "");

// An AASIST config small enough to train in seconds (the same structure, narrow encoder and graphs),
// with the recipe keys of WriteTinyConfig and AASIST's cosine schedule; written as <dir>/tiny_aasist.yaml.
std::string WriteTinyAasistConfig(const std::string& dir);

}  // namespace antispoof::testing
