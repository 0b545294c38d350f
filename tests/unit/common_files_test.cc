// ReadFile: regular files only, checked before opening; a limit naming the file, the limit and its
// variable; LimitBytes reads the variable strictly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "support/test_support.h"

namespace antispoof {
namespace {

using ::testing::HasSubstr;
using testing::ErrorMessageOf;

constexpr ReadLimit kTestLimit{"test input", "ANTISPOOF_TEST_LIMIT_MIB", 1000};

TEST(ReadFile, ReadsARegularFileWholeWithinItsLimit) {
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "/a.txt") << std::string(1000, 'x');
  EXPECT_EQ(ReadFile(dir + "/a.txt", kTestLimit), std::string(1000, 'x'));
  std::ofstream(dir + "/b.txt") << std::string(1001, 'x');
  EXPECT_THAT(ErrorMessageOf([&] { ReadFile(dir + "/b.txt", kTestLimit); }),
              HasSubstr(dir + "/b.txt: 1001 bytes is more than antispoof holds of a test input "
                              "(the limit is 1000 bytes; set ANTISPOOF_TEST_LIMIT_MIB"));
  ::setenv("ANTISPOOF_TEST_LIMIT_MIB", "1", 1);
  EXPECT_EQ(LimitBytes(kTestLimit), 1u << 20);
  EXPECT_EQ(ReadFile(dir + "/b.txt", kTestLimit).size(), 1001u);
  for (const char* bad : {"x", "0", "-1", "2.5", " 3"}) {
    ::setenv("ANTISPOOF_TEST_LIMIT_MIB", bad, 1);
    EXPECT_THAT(ErrorMessageOf([&] { LimitBytes(kTestLimit); }),
                HasSubstr("ANTISPOOF_TEST_LIMIT_MIB: expected a positive whole number of MiB"));
  }
  ::unsetenv("ANTISPOOF_TEST_LIMIT_MIB");
}

TEST(ReadFile, RefusesWhatIsNotARegularFileByName) {
  const std::string dir = testing::TempDir();
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_THAT(ErrorMessageOf([&] { ReadFile(fifo); }), HasSubstr(fifo + ": is a FIFO (named pipe), not a regular file"));
  EXPECT_THAT(ErrorMessageOf([&] { ReadFile("/dev/zero"); }), HasSubstr("/dev/zero: is a character device"));
  EXPECT_THAT(ErrorMessageOf([&] { ReadFile(dir); }), HasSubstr(": is a folder, not a regular file"));
  EXPECT_THAT(ErrorMessageOf([&] { ReadFile(dir + "/absent"); }), HasSubstr("cannot open: No such file"));
  std::filesystem::create_symlink("/dev/zero", dir + "/zero");
  EXPECT_THAT(ErrorMessageOf([&] { InputFile f(dir + "/zero"); }), HasSubstr("character device"));
}

}  // namespace
}  // namespace antispoof
