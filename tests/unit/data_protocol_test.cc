#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "antispoof/common/error.h"
#include "antispoof/data/protocol.h"
#include "support/test_support.h"

namespace antispoof::data {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(const std::string& text) {
  try {
    ParseProtocol(text, "p.txt");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ProtocolShared, OfficialProtocolsParseToTheListedCounts) {
  ANTISPOOF_REQUIRE_SHARED();
  const std::string dir =
      antispoof::testing::SharedDir() + "/asvspoof2019/LA/ASVspoof2019_LA_cm_protocols/";
  struct Case {
    const char* name;
    int64_t total, bonafide;
    std::vector<std::string> attacks;
  } cases[] = {
      {"ASVspoof2019.LA.cm.train.trn.txt", 25380, 2580, {"A01", "A06"}},
      {"ASVspoof2019.LA.cm.dev.trl.txt", 24844, 2548, {"A01", "A06"}},
      {"ASVspoof2019.LA.cm.eval.trl.txt", 71237, 7355, {"A07", "A19"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Protocol p = ReadProtocol(dir + c.name);
    EXPECT_EQ(p.format, ProtocolFormat::kCm5);
    EXPECT_TRUE(p.has_keys);
    ProtocolSummary s = Summarize(p);
    EXPECT_EQ(s.total, c.total);
    EXPECT_EQ(s.bonafide, c.bonafide);
    EXPECT_EQ(s.spoof, c.total - c.bonafide);
    EXPECT_EQ(s.per_attack.at("-"), c.bonafide);
    EXPECT_EQ(s.per_attack.begin()->first, "-");
    EXPECT_EQ(s.per_attack.rbegin()->first, c.attacks.back());
    EXPECT_TRUE(s.per_attack.count(c.attacks.front()));
  }
  Protocol eval = ReadProtocol(dir + "ASVspoof2019.LA.cm.eval.trl.txt");
  EXPECT_EQ(Summarize(eval).per_attack.size(), 14u);  // "-" and A07..A19
}

TEST(Protocol, FiveColumns) {
  Protocol p = ParseProtocol(
      "LA_0079 LA_T_1138215 - - bonafide\nLA_0039 LA_E_2834763 - A11 spoof\n", "p.txt");
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].speaker, "LA_0079");
  EXPECT_EQ(p.entries[0].utt, "LA_T_1138215");
  EXPECT_EQ(p.entries[0].attack, "-");
  EXPECT_EQ(p.entries[0].label, kBonafide);
  EXPECT_EQ(p.entries[1].attack, "A11");
  EXPECT_EQ(p.entries[1].label, kSpoof);
  EXPECT_EQ(p.entries[1].line, 2);
}

TEST(Protocol, FourAndThreeColumnVariants) {
  Protocol flac = ParseProtocol("flac LA_T_1 - bonafide\nflac LA_T_2 A01 spoof\n", "p.txt");
  EXPECT_EQ(flac.format, ProtocolFormat::kCm4);
  EXPECT_EQ(flac.entries[0].speaker, "");
  EXPECT_EQ(flac.entries[1].utt, "LA_T_2");
  EXPECT_EQ(flac.entries[1].attack, "A01");
  EXPECT_EQ(flac.entries[1].label, kSpoof);
  Protocol spk = ParseProtocol("LA_0079 LA_T_1 - bonafide\n", "p.txt");
  EXPECT_EQ(spk.entries[0].speaker, "LA_0079");
  Protocol three = ParseProtocol("LA_T_1 - bonafide\nLA_T_2 A02 spoof\n", "p.txt");
  EXPECT_EQ(three.format, ProtocolFormat::kCm3);
  EXPECT_EQ(three.entries[1].attack, "A02");
  EXPECT_EQ(Summarize(three).bonafide, 1);
}

TEST(Protocol, TrialListHasNoKeys) {
  Protocol p = ParseProtocol("LA_E_9332881\nLA_E_6866159\n\nLA_E_5464494\n", "trial.txt");
  EXPECT_EQ(p.format, ProtocolFormat::kTrialList);
  EXPECT_FALSE(p.has_keys);
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[2].utt, "LA_E_5464494");
  EXPECT_EQ(p.entries[2].line, 4);
  EXPECT_EQ(p.entries[0].label, kUnknownLabel);
  ProtocolSummary s = Summarize(p);
  EXPECT_EQ(s.unlabelled, 3);
  EXPECT_THAT(FormatSummary(s), HasSubstr("without key 3"));
}

TEST(Protocol, ToleratesBomCrlfTabsAndTrailingSpaces) {
  Protocol p = ParseProtocol(
      "\xEF\xBB\xBFLA_0079 LA_T_1 - - bonafide  \r\n\r\nLA_0079\tLA_T_2\t-\tA01\tspoof\t\r\n",
      "p.txt");
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].speaker, "LA_0079");
  EXPECT_EQ(p.entries[1].label, kSpoof);
  EXPECT_EQ(p.entries[1].line, 3);
}

TEST(Protocol, BadLinesNameFileLineAndExpectation) {
  std::string err = ErrorOf("A LA_T_1 - - bonafide\nA LA_T_2 - A01\nA LA_T_3 - - bonafide\n");
  EXPECT_THAT(err, HasSubstr("p.txt:2:"));
  EXPECT_THAT(err, HasSubstr("4 columns"));
  EXPECT_THAT(err, HasSubstr("SPEAKER UTT - ATTACK KEY"));
  EXPECT_THAT(ErrorOf("a b c d e f\n"), HasSubstr("p.txt:1: 6 columns"));
  EXPECT_THAT(ErrorOf("\nA LA_T_1 - - bonafied\n"), HasSubstr("p.txt:2: unknown key 'bonafied'"));
  std::string dup = ErrorOf("A LA_T_1 - - bonafide\nA LA_T_2 - - bonafide\nA LA_T_1 - A01 spoof\n");
  EXPECT_THAT(dup, HasSubstr("p.txt:3: duplicate utterance LA_T_1 (first on line 1)"));
  EXPECT_THAT(ErrorOf("\n \r\n"), HasSubstr("no entries"));
  EXPECT_THAT(ErrorOf("LA_E_1\nLA_E_2 x\n"), HasSubstr("p.txt:2:"));
}

TEST(Protocol, ForcedFormatAndMissingFile) {
  EXPECT_THROW(ParseProtocol("LA_T_1 - bonafide\n", "p.txt", ProtocolFormat::kCm5), Error);
  try {
    ReadProtocol("/nonexistent/protocol.txt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/protocol.txt"));
  }
}

TEST(Protocol, SummaryText) {
  Protocol p = ParseProtocol("A U1 - - bonafide\nA U2 - A01 spoof\nA U3 - A01 spoof\n", "p.txt");
  std::string text = FormatSummary(Summarize(p));
  EXPECT_THAT(text, HasSubstr("utterances 3: bonafide 1, spoof 2"));
  EXPECT_THAT(text, HasSubstr("A01      2"));
}

}  // namespace
}  // namespace antispoof::data
