#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/process.h"
#include "support/test_support.h"

namespace antispoof {
namespace {

TEST(Process, ReturnsTheExitStatusAndKeepsStdoutAndStderrApart) {
  const std::string dir = testing::TempDir();
  const int rc = RunProcess({"/bin/sh", "-c", "echo out; echo err >&2; read x && echo got; exit 3"},
                            dir + "/out.txt", dir + "/err.txt");
  EXPECT_EQ(rc, 3);
  EXPECT_EQ(ReadFile(dir + "/out.txt"), "out\n");  // stdin is /dev/null: `read` gets nothing
  EXPECT_EQ(ReadFile(dir + "/err.txt"), "err\n");
}

TEST(Process, AKilledChildReports128PlusTheSignal) {
  EXPECT_EQ(RunProcess({"/bin/sh", "-c", "kill -9 $$"}), 128 + SIGKILL);
}

TEST(Process, AProgramThatCannotStartIsAnErrorNamingIt) {
  try {
    RunProcess({"/nonexistent/antispoof-tool", "x"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/antispoof-tool"), std::string::npos)
        << e.what();
  }
}

TEST(Process, SelfExecutableIsThisTestBinary) {
  EXPECT_NE(SelfExecutable().find("unit_common_test"), std::string::npos) << SelfExecutable();
}

}  // namespace
}  // namespace antispoof
