#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <ostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "support/test_support.h"

namespace antispoof {
namespace {

using testing::RunAntispoof;
using testing::SharedDir;

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

std::string LaDir() { return SharedDir() + "/asvspoof2019/LA"; }
std::string CmScoresDir() { return SharedDir() + "/asvspoof2019/cm_scores"; }
std::string EvalAsvScores() {
  return LaDir() + "/ASVspoof2019_LA_asv_scores/ASVspoof2019.LA.asv.eval.gi.trl.scores.txt";
}

nlohmann::json MetricsJson(const std::string& args) {
  testing::CommandResult result = RunAntispoof("metrics --json " + args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out);
}

struct PublishedFigures {
  const char* name;  // test name suffix
  const char* file;
  double eer_percent;
  double min_tdcf_legacy;
  double min_tdcf_revised;
  // The ASVspoof 5 evaluation package (evaluation.py --m t1) on the file rewritten as its
  // `filename cm-score` and `filename cm-label` files.
  double min_dcf;
  double act_dcf;
  double cllr;
};

// Keeps the discovered test names free of the parameter's bytes.
void PrintTo(const PublishedFigures& figures, std::ostream* out) { *out << figures.file; }

class OfficialScoreFiles : public ::testing::TestWithParam<PublishedFigures> {};

TEST_P(OfficialScoreFiles, MatchOfficialEerAndMinTdcf) {
  ANTISPOOF_REQUIRE_SHARED();
  const PublishedFigures& expected = GetParam();
  nlohmann::json json = MetricsJson("--scores " + Quoted(CmScoresDir() + "/" + expected.file) +
                                    " --asv-scores " + Quoted(EvalAsvScores()));
  EXPECT_NEAR(json["eer_percent"].get<double>(), expected.eer_percent, 1e-6 * 100);
  EXPECT_NEAR(json["eer"].get<double>(), expected.eer_percent / 100, 1e-6);
  EXPECT_NEAR(json["min_tdcf_legacy"].get<double>(), expected.min_tdcf_legacy, 1e-6);
  EXPECT_NEAR(json["min_tdcf_revised"].get<double>(), expected.min_tdcf_revised, 1e-6);
  EXPECT_NEAR(json["min_dcf"].get<double>(), expected.min_dcf, 1e-6);
  EXPECT_NEAR(json["act_dcf"].get<double>(), expected.act_dcf, 1e-6);
  EXPECT_NEAR(json["cllr"].get<double>(), expected.cllr, 1e-6);
  EXPECT_EQ(json["n_bonafide"].get<int>(), 7355);
  EXPECT_EQ(json["n_spoof"].get<int>(), 71237 - 7355);
  EXPECT_EQ(json["per_attack"].size(), 13u);
}

INSTANTIATE_TEST_SUITE_P(
    AsvSpoof2019LaEval, OfficialScoreFiles,
    ::testing::Values(PublishedFigures{"RawGatSt", "RawGAT-ST_mul_eval_scores.txt", 1.060134752,
                                       0.033538947, 0.094167831, 0.029893113, 0.044395365,
                                       0.066251950},
                      PublishedFigures{"B01", "B01_LA_primary_eval.txt", 9.572028207, 0.235936070,
                                       0.283868000, 0.220454428, 0.540308694, 0.842110076},
                      PublishedFigures{"B02", "B02_LA_primary_eval.txt", 8.089825328, 0.211052734,
                                       0.260545667, 0.197372380, 0.662158354, 0.644359724}),
    [](const ::testing::TestParamInfo<PublishedFigures>& info) { return info.param.name; });

TEST(MetricsCli, RawGatStPerAttackEers) {
  ANTISPOOF_REQUIRE_SHARED();
  nlohmann::json json =
      MetricsJson("--scores " + Quoted(CmScoresDir() + "/RawGAT-ST_mul_eval_scores.txt"));
  const std::map<std::string, double> expected_percent = {
      {"A07", .3429},  {"A08", .5297},  {"A09", .0815}, {"A10", .3905}, {"A11", .2852},
      {"A12", .3429},  {"A13", .3022},  {"A14", .2852}, {"A15", .2682}, {"A16", .8149},
      {"A17", 1.7452}, {"A18", 3.0898}, {"A19", .7096}};
  ASSERT_EQ(json["per_attack"].size(), expected_percent.size());
  for (const auto& [attack, percent] : expected_percent) {
    EXPECT_NEAR(json["per_attack"][attack]["eer_percent"].get<double>(), percent, 0.00005)
        << attack;
  }
  // Without an ASV file the t-DCFs are null and a note says why.
  EXPECT_TRUE(json["min_tdcf_legacy"].is_null());
  EXPECT_TRUE(json["tdcf_note"].is_string());
}

TEST(MetricsCli, TextOutputHasTheOfficialSections) {
  ANTISPOOF_REQUIRE_SHARED();
  testing::CommandResult result =
      RunAntispoof("metrics --scores " + Quoted(CmScoresDir() + "/B01_LA_primary_eval.txt") +
                   " --asv-scores " + Quoted(EvalAsvScores()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* section :
       {"ASV SYSTEM", "CM SYSTEM", "TANDEM", "min-tDCF (legacy", "min-tDCF (revised", "BREAKDOWN",
        "A19", "9.572028", "min DCF        =  0.220454428", "actDCF         =  0.540308694",
        "Cllr           =  0.842110076"}) {
    EXPECT_NE(result.out.find(section), std::string::npos) << section << "\n" << result.out;
  }
}

TEST(MetricsCli, TwoColumnScoresJoinKeysFromProtocol) {
  ANTISPOOF_REQUIRE_SHARED();
  // Rewrite the RawGAT-ST scores as UTT SCORE (test-time file in a temp folder).
  std::ifstream four_column(CmScoresDir() + "/RawGAT-ST_mul_eval_scores.txt");
  ASSERT_TRUE(four_column.good());
  const std::string two_column_path = testing::TempDir() + "/scores_2col.txt";
  {
    std::ofstream out(two_column_path);
    std::string utterance, attack, key, score;
    while (four_column >> utterance >> attack >> key >> score)
      out << utterance << ' ' << score << '\n';
  }
  const std::string protocol =
      LaDir() + "/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.eval.trl.txt";
  nlohmann::json json =
      MetricsJson("--scores " + Quoted(two_column_path) + " --protocol " + Quoted(protocol) +
                  " --asv-scores " + Quoted(EvalAsvScores()) + " --threshold 0");
  EXPECT_NEAR(json["eer_percent"].get<double>(), 1.060134752, 1e-6 * 100);
  EXPECT_NEAR(json["min_tdcf_legacy"].get<double>(), 0.033538947, 1e-6);
  EXPECT_EQ(json["n_bonafide"].get<int>(), 7355);
  EXPECT_EQ(json["per_attack"].size(), 13u);
  EXPECT_TRUE(json["accuracy"].is_number());

  // Without the protocol a keyless file is refused with advice.
  testing::CommandResult keyless = RunAntispoof("metrics --scores " + Quoted(two_column_path));
  EXPECT_EQ(keyless.exit_code, 1);
  EXPECT_NE(keyless.err.find("--protocol"), std::string::npos) << keyless.err;
}

TEST(MetricsCli, MalformedScoreFileReportsFileAndLine) {
  const std::string path = testing::TempDir() + "/bad_scores.txt";
  {
    std::ofstream out(path);
    out << "U1 - bonafide 1.0\nU2 A07 spoof 0.5\nU3 A07 spoof nan\n";
  }
  testing::CommandResult result = RunAntispoof("metrics --scores " + Quoted(path));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("antispoof: error: " + path + ":3:"), std::string::npos) << result.err;
}

TEST(MetricsCli, ProtocolMismatchNamesCountAndIds) {
  const std::string dir = testing::TempDir();
  {
    std::ofstream scores(dir + "/s.txt");
    scores << "U1 1\nU2 0\nU3 -1\n";
    std::ofstream protocol(dir + "/p.txt");
    protocol << "S U1 - - bonafide\nS U2 - A07 spoof\n";
  }
  testing::CommandResult result = RunAntispoof("metrics --scores " + Quoted(dir + "/s.txt") +
                                               " --protocol " + Quoted(dir + "/p.txt"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("1 utterances"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("U3"), std::string::npos) << result.err;
}

// Writes the RawGAT-ST scores as the ASVspoof 5 package's score and key files; returns their paths.
std::pair<std::string, std::string> WriteAsvspoof5Files(const std::string& dir) {
  std::ifstream four_column(CmScoresDir() + "/RawGAT-ST_mul_eval_scores.txt");
  EXPECT_TRUE(four_column.good());
  const std::string scores_path = dir + "/scores.tsv";
  const std::string keys_path = dir + "/keys.tsv";
  std::ofstream scores(scores_path);
  std::ofstream keys(keys_path);
  scores << "filename\tcm-score\n";
  keys << "filename\tcm-label\tattack_anon\n";
  std::string utterance, attack, key, score;
  while (four_column >> utterance >> attack >> key >> score) {
    scores << utterance << '\t' << score << '\n';
    keys << utterance << '\t' << key << '\t' << (key == "bonafide" ? "bonafide" : attack) << '\n';
  }
  return {scores_path, keys_path};
}

TEST(MetricsCli, Asvspoof5ScoreAndKeyFiles) {
  ANTISPOOF_REQUIRE_SHARED();
  const auto [scores, keys] = WriteAsvspoof5Files(testing::TempDir());
  nlohmann::json json = MetricsJson("--scores " + Quoted(scores) + " --protocol " + Quoted(keys));
  EXPECT_NEAR(json["min_dcf"].get<double>(), 0.029893113, 1e-6);
  EXPECT_NEAR(json["act_dcf"].get<double>(), 0.044395365, 1e-6);
  EXPECT_NEAR(json["cllr"].get<double>(), 0.066251950, 1e-6);
  EXPECT_NEAR(json["eer_percent"].get<double>(), 1.0601348, 1e-6);
  EXPECT_EQ(json["n_bonafide"].get<int>(), 7355);
  EXPECT_EQ(json["per_attack"].size(), 13u);  // from attack_anon
  // Another cost model moves the Bayes threshold: log(Cfa Pspoof / (Cmiss (1 - Pspoof))) = 0.
  nlohmann::json equal = MetricsJson("--scores " + Quoted(scores) + " --protocol " + Quoted(keys) +
                                     " --dcf-p-spoof 0.5 --dcf-c-miss 1 --dcf-c-fa 1");
  EXPECT_EQ(equal["act_dcf_threshold"].get<double>(), 0.0);
  EXPECT_EQ(equal["dcf_cost"]["p_spoof"].get<double>(), 0.5);
}

TEST(MetricsCli, BadAsvspoof5KeyLineNamesFileAndLine) {
  const std::string dir = testing::TempDir();
  {
    std::ofstream scores(dir + "/s.tsv");
    scores << "filename\tcm-score\nE_1\t1.5\nE_2\t-2\n";
    std::ofstream keys(dir + "/k.tsv");
    keys << "filename\tcm-label\nE_1\tbonafide\nE_2\tspoofed\n";
  }
  testing::CommandResult result = RunAntispoof("metrics --scores " + Quoted(dir + "/s.tsv") +
                                               " --protocol " + Quoted(dir + "/k.tsv"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(dir + "/k.tsv:3: key 'spoofed'"), std::string::npos) << result.err;
  // Without keys the ASVspoof 5 score file is refused with advice.
  testing::CommandResult keyless = RunAntispoof("metrics --scores " + Quoted(dir + "/s.tsv"));
  EXPECT_EQ(keyless.exit_code, 1);
  EXPECT_NE(keyless.err.find("ASVspoof 5 key file"), std::string::npos) << keyless.err;
}

}  // namespace
}  // namespace antispoof
