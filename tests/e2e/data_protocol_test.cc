#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/test_support.h"

namespace {

using ::antispoof::testing::RunAntispoof;
using ::testing::HasSubstr;

TEST(ProtocolCommand, SharedEvalProtocolCountsAndMissingFiles) {
  ANTISPOOF_REQUIRE_SHARED();
  std::string root = antispoof::testing::SharedDir() + "/asvspoof2019";
  auto r = RunAntispoof("protocol --data-root '" + root + "' --split eval");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("utterances 71237: bonafide 7355, spoof 63882"));
  EXPECT_THAT(r.out, HasSubstr("A19"));
  EXPECT_THAT(r.out, HasSubstr("1 found, 71236 missing"));
}

TEST(ProtocolCommand, BadLineFailsWithItsLineNumber) {
  std::string dir = antispoof::testing::TempDir();
  std::ofstream(dir + "/p.txt") << "S U1 - - bonafide\nS U2 - A01\n";
  auto r = RunAntispoof("protocol --protocol '" + dir + "/p.txt'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(dir + "/p.txt:2:"));
}

TEST(ProtocolCommand, TrialList) {
  std::string dir = antispoof::testing::TempDir();
  std::ofstream(dir + "/trial.txt") << "LA_E_1\r\nLA_E_2\r\n";
  auto r = RunAntispoof("protocol --protocol '" + dir + "/trial.txt'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("utterances 2"));
  EXPECT_THAT(r.out, HasSubstr("without key 2"));
}

}  // namespace
