#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/metrics/asv_scores.h"
#include "antispoof/metrics/score_file.h"
#include "support/test_support.h"

namespace antispoof::metrics {
namespace {

// Message of the Error thrown by `body`, or "" when none is thrown.
template <typename Body>
std::string ErrorOf(Body body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ScoreFile, ParsesTwoColumnForm) {
  ScoreFile file = ParseScoreFile("LA_E_1 0.5\nLA_E_2 -1.25\n", "s.txt");
  EXPECT_EQ(file.format, ScoreFileFormat::kTwoColumn);
  EXPECT_FALSE(file.has_keys());
  ASSERT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.records[1].utterance, "LA_E_2");
  EXPECT_DOUBLE_EQ(file.records[1].score, -1.25);
  EXPECT_EQ(file.records[1].key, TrialKey::kUnknown);
}

TEST(ScoreFile, ParsesFourColumnForm) {
  ScoreFile file =
      ParseScoreFile("LA_E_2834763 A11 spoof -8.75\nLA_E_1 - bonafide 3.5e-1\n", "s.txt");
  EXPECT_EQ(file.format, ScoreFileFormat::kFourColumn);
  ASSERT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.records[0].attack, "A11");
  EXPECT_EQ(file.records[0].key, TrialKey::kSpoof);
  EXPECT_EQ(file.records[1].key, TrialKey::kBonafide);
  EXPECT_DOUBLE_EQ(file.records[1].score, 0.35);
}

TEST(ScoreFile, ParsesOfficialSixColumnForm) {
  ScoreFile file = ParseScoreFile(
      "LA_0039 LA_E_2834763 - A11 spoof -0.536935\nLA_0014 LA_E_9 - - bonafide 1.0\n", "s.txt");
  EXPECT_EQ(file.format, ScoreFileFormat::kSixColumn);
  ASSERT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.records[0].speaker, "LA_0039");
  EXPECT_EQ(file.records[0].utterance, "LA_E_2834763");
  EXPECT_EQ(file.records[0].attack, "A11");
  EXPECT_EQ(file.records[0].key, TrialKey::kSpoof);
  EXPECT_DOUBLE_EQ(file.records[0].score, -0.536935);
}

TEST(ScoreFile, AcceptsBomCrlfTrailingSpacesAndBlankLines) {
  ScoreFile file =
      ParseScoreFile("\xEF\xBB\xBFU1 A07 spoof 1.5  \r\n\r\n  \nU2 - bonafide 2\t\r\n", "s.txt");
  ASSERT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.records[0].utterance, "U1");
  EXPECT_DOUBLE_EQ(file.records[1].score, 2.0);
}

TEST(ScoreFile, WrongColumnCountNamesFileAndLine) {
  std::string message =
      ErrorOf([] { ParseScoreFile("U1 A07 spoof 1\n\nU2 bonafide 2\n", "scores.txt"); });
  EXPECT_NE(message.find("scores.txt:3:"), std::string::npos) << message;
  EXPECT_NE(message.find("3 columns"), std::string::npos) << message;
}

TEST(ScoreFile, UnsupportedFirstLineColumnCountFails) {
  std::string message = ErrorOf([] { ParseScoreFile("U1 spoof 1\n", "s.txt"); });
  EXPECT_NE(message.find("s.txt:1:"), std::string::npos) << message;
}

TEST(ScoreFile, NonNumericScoreNamesLine) {
  std::string message = ErrorOf([] { ParseScoreFile("U1 1\nU2 1.5x\n", "s.txt"); });
  EXPECT_NE(message.find("s.txt:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("not a number"), std::string::npos) << message;
}

TEST(ScoreFile, NonFiniteScoreNamesLine) {
  for (const char* bad : {"nan", "inf", "-inf", "1e999"}) {
    std::string message =
        ErrorOf([&] { ParseScoreFile(std::string("U1 1\nU2 2\nU3 ") + bad + "\n", "s.txt"); });
    EXPECT_NE(message.find("s.txt:3:"), std::string::npos) << bad << ": " << message;
  }
}

TEST(ScoreFile, DuplicateUtteranceNamesBothLines) {
  std::string message = ErrorOf(
      [] { ParseScoreFile("U1 - bonafide 1\nU2 A07 spoof 2\nU1 - bonafide 3\n", "s.txt"); });
  EXPECT_NE(message.find("s.txt:3:"), std::string::npos) << message;
  EXPECT_NE(message.find("duplicate utterance 'U1' (first on line 1)"), std::string::npos)
      << message;
}

TEST(ScoreFile, UnknownKeyNamesLine) {
  std::string message =
      ErrorOf([] { ParseScoreFile("U1 - bonafide 1\nU2 A07 fake 2\n", "s.txt"); });
  EXPECT_NE(message.find("s.txt:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("'fake'"), std::string::npos) << message;
}

TEST(ScoreFile, EmptyFileFails) {
  EXPECT_NE(ErrorOf([] { ParseScoreFile("\n  \n", "s.txt"); }).find("s.txt"), std::string::npos);
}

TEST(ScoreFile, WriteThenReadRoundTripsExactly) {
  std::vector<ScoreRecord> records = {
      {"LA_E_1", "-", TrialKey::kBonafide, 0.1 + 0.2, "LA_0001"},
      {"LA_E_2", "A07", TrialKey::kSpoof, -8.750496864318848, "LA_0002"},
      {"LA_E_3", "A19", TrialKey::kSpoof, 1e-300, "LA_0003"},
  };
  const std::string dir = testing::TempDir();
  for (ScoreFileFormat format :
       {ScoreFileFormat::kTwoColumn, ScoreFileFormat::kFourColumn, ScoreFileFormat::kSixColumn}) {
    const std::string path = dir + "/scores.txt";
    WriteFileAtomic(path, "old content that must be replaced\n");
    WriteScoreFile(path, records, format);
    ScoreFile file = ReadScoreFile(path);
    EXPECT_EQ(file.format, format);
    ASSERT_EQ(file.records.size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(file.records[i].utterance, records[i].utterance);
      EXPECT_EQ(file.records[i].score, records[i].score);  // bit-exact
      if (format != ScoreFileFormat::kTwoColumn) {
        EXPECT_EQ(file.records[i].attack, records[i].attack);
        EXPECT_EQ(file.records[i].key, records[i].key);
      }
      if (format == ScoreFileFormat::kSixColumn) {
        EXPECT_EQ(file.records[i].speaker, records[i].speaker);
      }
    }
  }
}

TEST(ScoreFile, DefaultWriteIsFourColumn) {
  std::string text = FormatScoreFile({{"U1", "A07", TrialKey::kSpoof, -1.5, "S"}});
  EXPECT_EQ(text, "U1 A07 spoof -1.5\n");
}

TEST(ScoreFile, WritingKeylessRecordsWithKeysFails) {
  EXPECT_NE(ErrorOf([] {
              FormatScoreFile({{"U1", "-", TrialKey::kUnknown, 1.0, "-"}});
            }).find("U1"),
            std::string::npos);
}

TEST(ProtocolJoin, JoinsKeysFromFiveFourAndThreeColumnProtocols) {
  for (const char* protocol_text :
       {"LA_0079 U1 - - bonafide\nLA_0039 U2 - A11 spoof\n",
        "flac U1 - bonafide\nflac U2 A11 spoof\n", "U1 - bonafide\nU2 A11 spoof\n"}) {
    ScoreFile scores = ParseScoreFile("U2 -3\nU1 2\n", "s.txt");
    JoinProtocolKeys(scores, antispoof::data::ParseProtocol(protocol_text, "p.txt"));
    EXPECT_TRUE(scores.has_keys());
    EXPECT_EQ(scores.records[0].key, TrialKey::kSpoof);
    EXPECT_EQ(scores.records[0].attack, "A11");
    EXPECT_EQ(scores.records[1].key, TrialKey::kBonafide);
  }
}

// The error JoinProtocolKeys gives for a score file (s.txt) and a protocol, both given as text.
std::string JoinError(const std::string& scores_text, const std::string& protocol_text,
                      const std::string& protocol_name = "p.txt") {
  ScoreFile scores = ParseScoreFile(scores_text, "s.txt");
  auto protocol = antispoof::data::ParseProtocol(protocol_text, protocol_name);
  return ErrorOf([&] { JoinProtocolKeys(scores, protocol); });
}

TEST(ProtocolJoin, ScoredUtteranceMissingFromProtocolFails) {
  std::string message = JoinError("U1 2\nU9 1\nU8 0\n", "S U1 - - bonafide\n");
  EXPECT_NE(message.find("2 utterances"), std::string::npos) << message;
  EXPECT_NE(message.find("U9, U8"), std::string::npos) << message;
}

TEST(ProtocolJoin, ProtocolUtteranceWithoutScoreFails) {
  std::string message = JoinError("U1 2\n", "S U1 - - bonafide\nS U2 - A07 spoof\n");
  EXPECT_NE(message.find("1 utterances of the protocol p.txt have no score"), std::string::npos)
      << message;
  EXPECT_NE(message.find("U2"), std::string::npos) << message;
}

TEST(ProtocolJoin, TrialListWithoutKeysFails) {
  std::string message = JoinError("U1 2\n", "U1\n", "trials.txt");
  EXPECT_NE(message.find("trials.txt: the protocol has no bonafide/spoof keys"), std::string::npos) << message;
  EXPECT_NE(message.find("s.txt"), std::string::npos) << message;
}

TEST(AsvScores, ParsesThreeClassesAndSources) {
  AsvScores asv = ParseAsvScores(
      "bonafide target 7.5\nbonafide nontarget -1\nA07 spoof 0.5\nA08 spoof 1\nA07 spoof 2\n",
      "asv.txt");
  EXPECT_EQ(asv.target.size(), 1u);
  EXPECT_EQ(asv.nontarget.size(), 1u);
  EXPECT_EQ(asv.spoof.size(), 3u);
  EXPECT_EQ(asv.spoof_by_source.at("A07").size(), 2u);
}

TEST(AsvScores, BadKeyNamesLine) {
  std::string message =
      ErrorOf([] { ParseAsvScores("bonafide target 1\nbonafide impostor 2\n", "asv.txt"); });
  EXPECT_NE(message.find("asv.txt:2:"), std::string::npos) << message;
}

}  // namespace
}  // namespace antispoof::metrics
