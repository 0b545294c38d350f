#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/metrics/asvspoof5_files.h"
#include "antispoof/metrics/dcf.h"
#include "antispoof/metrics/score_file.h"
#include "support/test_support.h"

namespace antispoof::metrics {
namespace {

using testing::ErrorMessageOf;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Asvspoof5ScoreFile, ReadsTheOfficialTabSeparatedForm) {
  ScoreFile file =
      ParseScoreFile("filename\tcm-score\nE_000001\t0.01\nE_000002\t-2.5e1\n", "s.tsv");
  EXPECT_EQ(file.format, ScoreFileFormat::kAsvspoof5);
  EXPECT_FALSE(file.has_keys());
  ASSERT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.records[0].utterance, "E_000001");
  EXPECT_EQ(file.records[0].score, 0.01);
  EXPECT_EQ(file.records[1].utterance, "E_000002");
  EXPECT_EQ(file.records[1].score, -25.0);
  EXPECT_EQ(file.records[1].key, TrialKey::kUnknown);
}

TEST(Asvspoof5ScoreFile, FindsColumnsByNameInAnyOrder) {
  // The SASV score file of the package: the CM score is one column among five.
  ScoreFile sasv = ParseScoreFile(
      "spk\tfilename\tcm-score\tasv-score\tsasv-score\nE_0101\tE_1\t4.75\t-1.02\t1.87\n", "x.tsv");
  ASSERT_EQ(sasv.records.size(), 1u);
  EXPECT_EQ(sasv.records[0].utterance, "E_1");
  EXPECT_EQ(sasv.records[0].score, 4.75);
  // trial_anon names the trial too; space separation, a BOM, CRLF and blank lines are tolerated.
  ScoreFile renamed = ParseScoreFile(
      "\xEF\xBB\xBF"
      "cm-score trial_anon\r\n\r\n1.5 E_7\r\n",
      "y.tsv");
  ASSERT_EQ(renamed.records.size(), 1u);
  EXPECT_EQ(renamed.records[0].utterance, "E_7");
  EXPECT_EQ(renamed.records[0].score, 1.5);
}

TEST(Asvspoof5ScoreFile, OtherFormsAreReadAsBefore) {
  // A score line always ends in a number, so an attack called cm-score is no header.
  ScoreFile four = ParseScoreFile("U1 cm-score spoof 1\nU2 - bonafide 2\n", "s.txt");
  EXPECT_EQ(four.format, ScoreFileFormat::kFourColumn);
  EXPECT_EQ(four.records[0].attack, "cm-score");
  EXPECT_FALSE(HasAsvspoof5ScoreHeader("U1 cm-score spoof 1\n"));
  EXPECT_TRUE(HasAsvspoof5ScoreHeader("\n\nfilename\tcm-score\n"));
  EXPECT_FALSE(HasAsvspoof5ScoreHeader(""));
}

TEST(Asvspoof5ScoreFile, BadLinesNameFileAndLine) {
  struct Case {
    const char* text;
    const char* expected;
  };
  for (const Case& c : {
           Case{"filename\tcm-score\nE_1\t0.5\nE_2\t0.1\textra\n",
                "s.tsv:3: 3 fields, but the "
                "header line has 2 columns"},
           Case{"filename\tcm-score\nE_1\n", "s.tsv:2: 1 fields"},
           Case{"filename\tcm-score\nE_1\t0.5\n\nE_2\tabc\n",
                "s.tsv:4: score 'abc' is not a number"},
           Case{"filename\tcm-score\nE_1\tnan\n", "s.tsv:2: score 'nan' is not finite"},
           Case{"filename\tcm-score\nE_1\t-inf\n", "s.tsv:2: score '-inf' is not finite"},
           Case{"filename\tcm-score\nE_1\t1\nE_2\t2\nE_1\t3\n",
                "s.tsv:4: duplicate trial 'E_1' (first on line 2)"},
           Case{"\nname\tcm-score\nE_1\t1\n",
                "s.tsv:2: the header line has no column 'filename' "
                "or 'trial_anon' (it reads 'name cm-score')"},
           Case{"filename\tcm-score\tcm-score\nE_1\t1\t2\n",
                "s.tsv:1: the header names the column "
                "'cm-score' twice"},
           Case{"filename\tcm-score\n\n", "s.tsv: no scores (the file has only a header line)"},
       }) {
    const std::string message = ErrorMessageOf([&] { ParseScoreFile(c.text, "s.tsv"); });
    EXPECT_TRUE(Contains(message, c.expected)) << c.text << "\n -> " << message;
  }
}

TEST(Asvspoof5ScoreFile, WriteThenReadRoundTripsExactly) {
  const std::vector<ScoreRecord> records = {{"E_1", "-", TrialKey::kUnknown, 0.1 + 0.2, "-"},
                                            {"E_2", "A11", TrialKey::kSpoof, -1e-300, "-"}};
  EXPECT_EQ(FormatScoreFile({records[0]}, ScoreFileFormat::kAsvspoof5),
            "filename\tcm-score\nE_1\t0.30000000000000004\n");
  const std::string path = testing::TempDir() + "/scores.tsv";
  WriteScoreFile(path, records, ScoreFileFormat::kAsvspoof5);
  ScoreFile file = ReadScoreFile(path);
  EXPECT_EQ(file.format, ScoreFileFormat::kAsvspoof5);
  ASSERT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.records[0].score, records[0].score);  // bit-exact
  EXPECT_EQ(file.records[1].utterance, "E_2");
  EXPECT_EQ(file.records[1].score, records[1].score);
}

TEST(Asvspoof5Keys, ReadsTheOfficialKeyFile) {
  Asvspoof5Keys keys =
      ParseAsvspoof5Keys("filename\tcm-label\nE_000001\tbonafide\nE_000002\tspoof\n", "k.tsv");
  EXPECT_EQ(keys.path, "k.tsv");
  ASSERT_EQ(keys.entries.size(), 2u);
  EXPECT_EQ(keys.entries[0].utterance, "E_000001");
  EXPECT_EQ(keys.entries[0].key, TrialKey::kBonafide);
  EXPECT_EQ(keys.entries[1].key, TrialKey::kSpoof);
  EXPECT_EQ(keys.entries[1].attack, "-");  // no attack column
}

TEST(Asvspoof5Keys, FullKeyTableGivesAttacks) {
  // Space-separated, more columns, the package's alternative names (trial_anon, cm_label).
  Asvspoof5Keys keys = ParseAsvspoof5Keys(
      "tar_spk_anon trial_anon codec attack_anon cm_label asv-label\n"
      "E_01 E_1 C01 A17 spoof spoof\n"
      "E_02 E_2 - bonafide bonafide target\n",
      "full.tsv");
  ASSERT_EQ(keys.entries.size(), 2u);
  EXPECT_EQ(keys.entries[0].utterance, "E_1");
  EXPECT_EQ(keys.entries[0].attack, "A17");
  EXPECT_EQ(keys.entries[0].speaker, "-");
  EXPECT_EQ(keys.entries[1].key, TrialKey::kBonafide);
  EXPECT_EQ(keys.entries[1].attack, "-");  // bona fide: "-" whatever the table says
}

TEST(Asvspoof5Keys, TellsKeyFilesFromProtocols) {
  EXPECT_TRUE(HasAsvspoof5KeyHeader("filename\tcm-label\nE_1\tspoof\n"));
  EXPECT_TRUE(HasAsvspoof5KeyHeader("  \ncm_label trial_anon\n"));
  EXPECT_FALSE(HasAsvspoof5KeyHeader("LA_0079 LA_E_1 - - bonafide\n"));
  EXPECT_FALSE(HasAsvspoof5KeyHeader("filename\tcm-score\n"));
  EXPECT_FALSE(HasAsvspoof5KeyHeader(""));
}

TEST(Asvspoof5Keys, BadLinesNameFileAndLine) {
  struct Case {
    const char* text;
    const char* expected;
  };
  for (const Case& c : {
           Case{"filename\tcm-label\nE_1\tbonafide\nE_2\tfake\n",
                "k.tsv:3: key 'fake' is neither 'bonafide' nor 'spoof'"},
           Case{"filename\tcm-label\nE_1\tbonafide\textra\n", "k.tsv:2: 3 fields"},
           Case{"filename\tcm-label\nE_1\tspoof\nE_1\tspoof\n",
                "k.tsv:3: duplicate trial 'E_1' (first on line 2)"},
           Case{"filename\tlabel\nE_1\tspoof\n",
                "k.tsv:1: the header line has no column "
                "'cm-label' or 'cm_label'"},
           Case{"filename\tcm-label\tcm_label\nE_1\tspoof\tspoof\n",
                "k.tsv:1: the header names "
                "the column 'cm-label' or "
                "'cm_label' twice"},
           Case{"filename\tcm-label\n", "k.tsv: no trials"},
       }) {
    const std::string message = ErrorMessageOf([&] { ParseAsvspoof5Keys(c.text, "k.tsv"); });
    EXPECT_TRUE(Contains(message, c.expected)) << c.text << "\n -> " << message;
  }
}

TEST(Asvspoof5Join, JoinsKeysToTwoColumnAndAsvspoof5Scores) {
  const Asvspoof5Keys keys = ParseAsvspoof5Keys(
      "filename\tcm-label\tattack_anon\nE_1\tbonafide\tbonafide\nE_2\tspoof\tA11\n", "k.tsv");
  for (const char* scores_text : {"filename\tcm-score\nE_2\t-3\nE_1\t2\n", "E_2 -3\nE_1 2\n"}) {
    ScoreFile scores = ParseScoreFile(scores_text, "s.tsv");
    JoinAsvspoof5Keys(scores, keys);
    EXPECT_TRUE(scores.has_keys());
    EXPECT_EQ(scores.records[0].key, TrialKey::kSpoof);
    EXPECT_EQ(scores.records[0].attack, "A11");
    EXPECT_EQ(scores.records[1].key, TrialKey::kBonafide);
    EXPECT_EQ(scores.records[1].attack, "-");
  }
}

TEST(Asvspoof5Join, MismatchedTrialsNameCountIdsAndFiles) {
  const Asvspoof5Keys keys =
      ParseAsvspoof5Keys("filename\tcm-label\nE_1\tbonafide\nE_2\tspoof\n", "k.tsv");
  ScoreFile extra = ParseScoreFile("filename\tcm-score\nE_1\t1\nE_2\t0\nE_9\t2\n", "s.tsv");
  const std::string unknown = ErrorMessageOf([&] { JoinAsvspoof5Keys(extra, keys); });
  EXPECT_TRUE(Contains(unknown, "1 utterances of s.tsv are not in the key file k.tsv: E_9"))
      << unknown;
  ScoreFile fewer = ParseScoreFile("filename\tcm-score\nE_1\t1\n", "s.tsv");
  const std::string unscored = ErrorMessageOf([&] { JoinAsvspoof5Keys(fewer, keys); });
  EXPECT_TRUE(Contains(unscored, "1 utterances of the key file k.tsv have no score in s.tsv: E_2"))
      << unscored;
}

TEST(Asvspoof5Join, JoinKeyFileReadsKeyFilesAndProtocols) {
  const std::string dir = testing::TempDir();
  WriteFileAtomic(dir + "/keys.tsv", "filename\tcm-label\nU1\tbonafide\nU2\tspoof\n");
  WriteFileAtomic(dir + "/protocol.txt", "LA_0079 U1 - - bonafide\nLA_0039 U2 - A07 spoof\n");
  ScoreFile from_keys = ParseScoreFile("U1 1\nU2 0\n", "s.txt");
  JoinKeyFile(from_keys, dir + "/keys.tsv");
  EXPECT_EQ(from_keys.records[1].key, TrialKey::kSpoof);
  ScoreFile from_protocol = ParseScoreFile("U1 1\nU2 0\n", "s.txt");
  JoinKeyFile(from_protocol, dir + "/protocol.txt");
  EXPECT_EQ(from_protocol.records[1].attack, "A07");
  EXPECT_EQ(from_protocol.records[0].speaker, "LA_0079");
  ScoreFile bad = ParseScoreFile("U1 1\nU2 0\n", "s.txt");
  WriteFileAtomic(dir + "/bad.tsv", "filename\tcm-label\nU1\tbonafide\nU2\tbogus\n");
  EXPECT_TRUE(
      Contains(ErrorMessageOf([&] { JoinKeyFile(bad, dir + "/bad.tsv"); }), dir + "/bad.tsv:3:"));
}

// The official pipeline end to end: the RawGAT-ST 2019 LA eval scores rewritten as the package's
// score and key files (in a temp folder), read, joined and scored.
TEST(Asvspoof5Join, RawGatStAsAsvspoof5FilesMatchesTheOfficialPackage) {
  ANTISPOOF_REQUIRE_SHARED();
  std::ifstream in(testing::SharedDir() + "/asvspoof2019/cm_scores/RawGAT-ST_mul_eval_scores.txt");
  ASSERT_TRUE(in.good());
  const std::string dir = testing::TempDir();
  {
    std::ofstream scores(dir + "/scores.tsv");
    std::ofstream keys(dir + "/keys.tsv");
    scores << "filename\tcm-score\n";
    keys << "filename\tcm-label\n";
    std::string utterance, attack, key, score;
    while (in >> utterance >> attack >> key >> score) {
      scores << utterance << '\t' << score << '\n';
      keys << utterance << '\t' << key << '\n';
    }
  }
  ScoreFile file = ReadScoreFile(dir + "/scores.tsv");
  ASSERT_EQ(file.format, ScoreFileFormat::kAsvspoof5);
  JoinKeyFile(file, dir + "/keys.tsv");
  std::vector<double> bonafide, spoof;
  for (const ScoreRecord& record : file.records) {
    (record.key == TrialKey::kBonafide ? bonafide : spoof).push_back(record.score);
  }
  Asvspoof5CmMetrics m = ComputeAsvspoof5CmMetrics(bonafide, spoof);
  EXPECT_NEAR(m.min_dcf.min_dcf, 0.029893113, 1e-6);
  EXPECT_NEAR(m.act_dcf.act_dcf, 0.044395365, 1e-6);
  EXPECT_NEAR(m.cllr, 0.066251950, 1e-6);
  EXPECT_NEAR(m.eer.eer * 100, 1.0601348, 1e-6);
}

}  // namespace
}  // namespace antispoof::metrics
