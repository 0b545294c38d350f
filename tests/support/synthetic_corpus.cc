#include "support/synthetic_corpus.h"

#include <cmath>
#include <fstream>
#include <random>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"

namespace antispoof::testing {

std::string WriteSyntheticCorpus(const std::string& dir, const SyntheticCorpusOptions& o) {
  const std::string la = dir + "/LA";
  MakeDirs(la + "/ASVspoof2019_LA_cm_protocols");
  std::mt19937 rng(o.seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);
  struct SplitSpec {
    const char* name;
    const char* prefix;
    const char* protocol;
    int count;
    const char* attacks[2];
  };
  const SplitSpec splits[] = {{"train", "T", "train.trn", o.train, {"A01", "A02"}},
                              {"dev", "D", "dev.trl", o.dev, {"A01", "A02"}},
                              {"eval", "E", "eval.trl", o.eval, {"A07", "A08"}}};
  for (const auto& s : splits) {
    const std::string flac = la + "/ASVspoof2019_LA_" + s.name + "/flac";
    MakeDirs(flac);
    std::string protocol;
    for (int i = 0; i < s.count; ++i) {
      const bool bona = i % 3 == 0;
      const int n = (i % 4 == 1) ? o.samples / 2 + 17 : o.samples + 100;
      std::vector<float> x(n);
      const double f0 = 120 + 200 * uni(rng), rate = 2 + 6 * uni(rng);
      for (int t = 0; t < n; ++t) {
        const double time = t / 16000.0;
        double v;
        if (bona) {
          v = 0.2 * gauss(rng) * (0.6 + 0.4 * std::sin(2 * M_PI * rate * time));
        } else {
          v = 0;
          for (int h = 1; h <= 4; ++h) v += 0.1 / h * std::sin(2 * M_PI * f0 * h * time);
          v += 0.01 * gauss(rng);
        }
        x[t] = static_cast<float>(std::max(-0.99, std::min(0.99, v)));
      }
      const std::string utt = Format("LA_%s_%07d", s.prefix, 1000000 + i);
      audio::WriteAudio(flac + "/" + utt + ".flac", x, 16000);
      protocol += Format("LA_%04d %s - %s %s\n", 10 + i % 5, utt.c_str(), bona ? "-" : s.attacks[i % 2],
                         bona ? "bonafide" : "spoof");
    }
    std::ofstream(la + "/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm." + s.protocol + ".txt") << protocol;
  }
  return la;
}

std::string WriteTinyConfig(const std::string& dir, int nb_samp, const std::string& extra_model_keys) {
  const std::string path = dir + "/tiny.yaml";
  std::ofstream(path) << "batch_size: 4\nnum_epochs: 2\nlr: 0.001\nweight_decay: 0.0001\nseed: 5\n"
                         "log_every: 2\nnum_workers: 2\nthreads: 2\n"
                         "model:\n  nb_samp: " << nb_samp << "\n  first_conv: 1024\n  in_channels: 1\n"
                         "  filts: [20, [20, 20], [20, 32], [32, 32]]\n  blocks: [2, 4]\n"
                         "  nb_fc_node: 16\n  gru_node: 16\n  nb_gru_layer: 3\n  nb_classes: 2\n"
                      << extra_model_keys;
  return path;
}

std::string WriteTinyAasistConfig(const std::string& dir) {
  const std::string path = dir + "/tiny_aasist.yaml";
  std::ofstream(path) << "batch_size: 4\nnum_epochs: 2\nlr: 0.001\nweight_decay: 0.0001\nseed: 5\n"
                         "log_every: 2\nnum_workers: 2\nthreads: 2\nlr_schedule: aasist_cosine\nlr_min: 0.00005\n"
                         "loss: CCE\nmodel:\n  architecture: AASIST\n  nb_samp: 8000\n  first_conv: 128\n"
                         "  filts: [70, [1, 8], [8, 8], [8, 16], [16, 16]]\n  gat_dims: [16, 8]\n"
                         "  pool_ratios: [0.5, 0.7, 0.5, 0.5]\n  temperatures: [2.0, 2.0, 100.0, 100.0]\n";
  return path;
}

}  // namespace antispoof::testing
