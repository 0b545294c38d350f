// An experiment that tests one model on several test sets: the tiny corpus's eval split, a held-out
// condition (corpus --holdout) and a folder of bonafide/ and spoof/ files (another layout). Each is
// scored per seed and reported with its bootstrap CI beside the eval split.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using ::antispoof::testing::RunAntispoof;
using ::antispoof::testing::Slurp;

nlohmann::json Json(const std::string& path) { return nlohmann::json::parse(Slurp(path)); }

// bonafide/ and spoof/ copies of the tiny corpus's eval files (by its eval protocol's keys).
std::string WriteFolder(const std::string& corpus, const std::string& dir) {
  std::istringstream lines(Slurp(corpus + "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.eval.trl.txt"));
  for (std::string speaker, utt, dash, attack, key; lines >> speaker >> utt >> dash >> attack >> key;) {
    const std::string to = dir + "/" + key + (key == "spoof" ? "/" + attack : "");
    fs::create_directories(to);
    fs::copy_file(corpus + "/LA/ASVspoof2019_LA_eval/flac/" + utt + ".flac", to + "/" + utt + ".flac");
  }
  return dir;
}

TEST(ExperimentTestSets, EachTestSetIsScoredAndReportedWithItsCi) {
  const std::string dir = antispoof::testing::TempDir();
  const std::string corpus = dir + "/corpus";
  fs::copy(antispoof::testing::TinyCorpusDir(), corpus, fs::copy_options::recursive);
  auto h = RunAntispoof("corpus --size tiny --jobs 2 --out '" + corpus + "' --holdout language=nl");
  ASSERT_EQ(h.exit_code, 0) << h.err;
  const std::string held = corpus + "/holdout_language_nl";
  const std::string folder = WriteFolder(corpus, dir + "/folder");
  const std::string config = dir + "/tiny.yaml";
  std::ofstream(config) << "batch_size: 4\nnum_epochs: 1\nlr: 0.001\nlog_every: 1\nthreads: 2\n"
                           "model:\n  nb_samp: 16000\n  first_conv: 1024\n  in_channels: 1\n"
                           "  filts: [20, [20, 20], [20, 32], [32, 32]]\n  blocks: [2, 4]\n"
                           "  nb_fc_node: 16\n  gru_node: 16\n  nb_gru_layer: 3\n  nb_classes: 2\n";
  const std::string exp = dir + "/exp.yaml";
  std::ofstream(exp) << "dataset: tiny\ndata_root: " << held << "\nseeds: [1]\nepochs: 1\nbench: false\n"
                     << "bootstrap_samples: 50\nruns:\n  - {name: run_0, description: RawNet2, config: " << config
                     << "}\ntest_sets:\n"
                     << "  - {name: all_eval, data_root: " << corpus
                     << ", protocol: " << corpus << "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.eval.trl.txt}\n"
                     << "  - {name: folder, data_root: " << folder << ", layout: folder}\n";
  const std::string out = dir + "/out";
  auto r = RunAntispoof("experiment --config '" + exp + "' --out '" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string rd = out + "/runs/run_0/seed_1";
  const auto results = Json(out + "/results.json");
  for (const std::string set : {"all_eval", "folder"}) {
    const auto metrics = Json(rd + "/metrics_" + set + ".json");
    const auto& entry = results["runs"]["run_0"]["test_sets"][set];
    EXPECT_DOUBLE_EQ(entry["seeds"]["1"]["eer"].get<double>(), metrics["eer"].get<double>()) << set;
    EXPECT_TRUE(entry["eer"]["ci95_bootstrap"].is_array()) << set;
    EXPECT_EQ(metrics["split"], set);
  }
  // The same files, the same model: the folder's EER is the corpus eval split's.
  EXPECT_DOUBLE_EQ(Json(rd + "/metrics_folder.json")["eer"].get<double>(),
                   Json(rd + "/metrics_all_eval.json")["eer"].get<double>());
  // The experiment's own eval split is the held-out language alone: the tiny corpus's 21 Dutch utterances.
  int dutch = 0;
  std::istringstream meta(Slurp(corpus + "/LA/corpus_metadata.tsv"));
  for (std::string line; std::getline(meta, line);) dutch += line.find("\tnl\t") != std::string::npos;
  EXPECT_EQ(dutch, 21);
  EXPECT_EQ(results["runs"]["run_0"]["seeds"]["1"]["n_bonafide"].get<int>() +
                results["runs"]["run_0"]["seeds"]["1"]["n_spoof"].get<int>(),
            dutch);
  const std::string report = Slurp(out + "/report.md");
  EXPECT_NE(report.find("| run | eval | all_eval | folder |"), std::string::npos) << report;
}

}  // namespace
