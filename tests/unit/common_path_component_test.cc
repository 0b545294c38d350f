// PathComponentError: the one check for names joined to a folder (run names, utterance ids).
#include <gtest/gtest.h>

#include <string>

#include "antispoof/common/path_component.h"

namespace antispoof {
namespace {

TEST(PathComponent, PlainNamesPassAndNamesThatLeaveTheFolderAreNamed) {
  for (const char* ok : {"run_0", "LA_T_1000000", "seed_1", ".hidden", "a..b", "x.flac"})
    EXPECT_EQ(PathComponentError(ok), "") << ok;
  EXPECT_EQ(PathComponentError(""), "is empty");
  EXPECT_NE(PathComponentError(".").find("names a folder"), std::string::npos);
  EXPECT_NE(PathComponentError("..").find("names a folder"), std::string::npos);
  for (const char* bad : {"../x", "a/b", "/abs", "x/", "..\\x"})
    EXPECT_NE(PathComponentError(bad).find("path separator"), std::string::npos) << bad;
  EXPECT_NE(PathComponentError(std::string("a\0b", 3)).find("NUL"), std::string::npos);
}

}  // namespace
}  // namespace antispoof
