#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <ostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

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
  EXPECT_EQ(json["n_bonafide"].get<int>(), 7355);
  EXPECT_EQ(json["n_spoof"].get<int>(), 71237 - 7355);
  EXPECT_EQ(json["per_attack"].size(), 13u);
}

INSTANTIATE_TEST_SUITE_P(
    AsvSpoof2019LaEval, OfficialScoreFiles,
    ::testing::Values(
        PublishedFigures{"RawGatSt", "RawGAT-ST_mul_eval_scores.txt", 1.060134752, 0.033538947,
                         0.094167831},
        PublishedFigures{"B01", "B01_LA_primary_eval.txt", 9.572028207, 0.235936070, 0.283868000},
        PublishedFigures{"B02", "B02_LA_primary_eval.txt", 8.089825328, 0.211052734, 0.260545667}),
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
  for (const char* section : {"ASV SYSTEM", "CM SYSTEM", "TANDEM", "min-tDCF (legacy",
                              "min-tDCF (revised", "BREAKDOWN", "A19", "9.572028"}) {
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

}  // namespace
}  // namespace antispoof
