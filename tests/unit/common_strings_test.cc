#include <gtest/gtest.h>

#include <cmath>

#include "antispoof/common/error.h"
#include "antispoof/common/progress.h"
#include "antispoof/common/strings.h"

namespace antispoof {
namespace {

TEST(Strings, SplitFieldsDropsEmptyFieldsAndCarriageReturns) {
  auto f = SplitFields("  LA_0079\tLA_T_1 -  - bonafide\r");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0], "LA_0079");
  EXPECT_EQ(f[4], "bonafide");
}

TEST(Strings, SplitFieldsTreatsByteOrderMarksAsSeparators) {
  auto f = SplitFields("\xEF\xBB\xBFLA_E_1 0.5\xEF\xBB\xBFLA_E_2\t\xEF\xBB\xBF");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], "LA_E_1");
  EXPECT_EQ(f[1], "0.5");
  EXPECT_EQ(f[2], "LA_E_2");
  EXPECT_EQ(SplitFields("\xEF\xBB"), std::vector<std::string>{"\xEF\xBB"});  // not a whole BOM
}

TEST(Strings, ShortestDoubleReadsBackExactly) {
  EXPECT_EQ(ShortestDouble(0.0005), "5e-04");
  EXPECT_EQ(ShortestDouble(0.001), "0.001");
  EXPECT_EQ(ShortestDouble(32), "32");
  for (double v : {0.1, 1.0 / 3.0, -2.5e-300, 12345.678}) EXPECT_EQ(*ParseDouble(ShortestDouble(v)), v);
}

TEST(Strings, ParseDoubleIsStrictAndLocaleFree) {
  EXPECT_DOUBLE_EQ(*ParseDouble("-1.5e-3"), -1.5e-3);
  EXPECT_FALSE(ParseDouble("1.5x").has_value());
  EXPECT_FALSE(ParseDouble("").has_value());
  EXPECT_TRUE(std::isnan(*ParseDouble("nan")));
  EXPECT_TRUE(std::isinf(*ParseDouble("-inf")));
}

TEST(Strings, ParseIntRejectsJunk) {
  EXPECT_EQ(*ParseInt("64600"), 64600);
  EXPECT_FALSE(ParseInt("64600.5").has_value());
}

TEST(Errors, LocatedNamesFileAndLine) {
  EXPECT_EQ(Located("p.txt", 3, "bad"), "p.txt:3: bad");
  EXPECT_EQ(Located("p.txt", 0, "bad"), "p.txt: bad");
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(FormatDuration(12.34), "12.3s");
  EXPECT_EQ(FormatDuration(245), "4m05s");
  EXPECT_EQ(FormatDuration(3723), "1h02m03s");
}

}  // namespace
}  // namespace antispoof
