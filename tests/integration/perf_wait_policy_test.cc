// The binary's OpenMP wait policy (apps/antispoof.cc): computing subcommands run with
// OMP_WAIT_POLICY=passive unless the caller set a policy; `bench --json` reports the one in effect.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "support/test_support.h"

namespace antispoof {
namespace {
using testing::BinaryPath;
using testing::RunShell;

// A tiny RawNet2, inference at batch 1 only, no GEMM-sized work beyond the yardstick.
std::string WaitPolicyOf(const std::string& env) {
  const auto r = RunShell(env + " " + BinaryPath() +
                          " bench --json --quick --no-train --batch 1 --threads 1 --set model.nb_samp=4000"
                          " --set model.gru_node=16 --set model.nb_fc_node=16 --set model.nb_gru_layer=1"
                          " 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("omp_wait_policy")) {
    ADD_FAILURE() << "no omp_wait_policy in: " << r.out;
    return "?";
  }
  return j["omp_wait_policy"].get<std::string>();
}

TEST(WaitPolicy, ComputingSubcommandsRunPassiveUnlessTheCallerChose) {
  EXPECT_EQ(WaitPolicyOf("env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT"), "passive");
  EXPECT_EQ(WaitPolicyOf("env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=active"), "active");
  // GOMP_SPINCOUNT is a choice too: the policy is then left unset.
  EXPECT_EQ(WaitPolicyOf("env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=100000"), "");
}

}  // namespace
}  // namespace antispoof
