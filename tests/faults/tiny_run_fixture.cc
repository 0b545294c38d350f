// CTest fixture faults.fixture.tiny_run: trains the tiny run the fault catalogue shares.
#include <gtest/gtest.h>

#include "faults/faults_support.h"

TEST(FaultsFixture, TinyRun) {
  const auto run = antispoof::faults::SharedTinyRun();
  EXPECT_TRUE(antispoof::faults::fs::exists(run.checkpoint)) << run.checkpoint;
  EXPECT_TRUE(antispoof::faults::fs::exists(run.config)) << run.config;
}
