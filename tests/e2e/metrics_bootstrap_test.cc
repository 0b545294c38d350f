// antispoof metrics --bootstrap / --compare: the EER's trial-bootstrap interval and the paired
// interval of two systems' EER difference on the same trials (synthetic score files).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace antispoof {
namespace {

using testing::RunAntispoof;

struct Trial {
  std::string utt;
  bool bonafide;
  double score;
};

// 150 bona fide around +1 and 300 spoofs around -1 (a fixed pseudo-random spread); `spoof_shift`
// moves every spoof score toward bona fide (a worse system).
std::vector<Trial> Trials(double spoof_shift) {
  std::vector<Trial> t;
  uint32_t state = 12345;
  auto uniform = [&] { return (state = state * 1664525u + 1013904223u) / 4294967296.0; };
  for (int i = 0; i < 450; ++i) {
    const bool bona = i % 3 == 0;
    const double noise = 2.5 * (uniform() + uniform() - 1.0);
    t.push_back({"LA_E_" + std::to_string(1000000 + i), bona, (bona ? 1.0 : -1.0 + spoof_shift) + noise});
  }
  return t;
}

std::string Write(const std::string& path, const std::vector<Trial>& trials, bool reversed = false) {
  std::ofstream out(path);
  for (size_t k = 0; k < trials.size(); ++k) {
    const Trial& t = trials[reversed ? trials.size() - 1 - k : k];
    out << t.utt << ' ' << (t.bonafide ? "-" : "A07") << ' ' << (t.bonafide ? "bonafide" : "spoof") << ' '
        << t.score << '\n';
  }
  return path;
}

class MetricsBootstrap : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "/metrics_bootstrap";
    std::filesystem::create_directories(dir_);
    a_ = Write(dir_ + "/a.txt", Trials(0.0));
  }
  nlohmann::json Json(const std::string& args) {
    testing::CommandResult r = RunAntispoof("metrics --json --scores '" + a_ + "' " + args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }
  std::string dir_, a_;
};

TEST_F(MetricsBootstrap, IntervalHoldsTheEerAndTheSeedFixesIt) {
  const nlohmann::json j = Json("--bootstrap 300 --bootstrap-seed 4");
  ASSERT_TRUE(j.contains("bootstrap"));
  const double eer = j["eer"], low = j["bootstrap"]["eer_ci95"][0], high = j["bootstrap"]["eer_ci95"][1];
  EXPECT_LT(low, eer);
  EXPECT_GT(high, eer);
  EXPECT_LT(high - low, 0.2);
  EXPECT_EQ(Json("--bootstrap 300 --bootstrap-seed 4")["bootstrap"], j["bootstrap"]);
  EXPECT_NE(Json("--bootstrap 300 --bootstrap-seed 5")["bootstrap"]["eer_ci95"], j["bootstrap"]["eer_ci95"]);
  EXPECT_FALSE(Json("").contains("bootstrap"));
}

// The same scores in another line order: every paired replicate differs by exactly 0.
TEST_F(MetricsBootstrap, CompareIsPairedTrialByTrial) {
  const std::string same = Write(dir_ + "/same_reversed.txt", Trials(0.0), /*reversed=*/true);
  const nlohmann::json c = Json("--bootstrap 200 --compare '" + same + "'")["bootstrap"]["compare"];
  EXPECT_EQ(c["eer_difference"].get<double>(), 0.0);
  EXPECT_EQ(c["eer_difference_ci95"][0].get<double>(), 0.0);
  EXPECT_EQ(c["eer_difference_ci95"][1].get<double>(), 0.0);

  const std::string worse = Write(dir_ + "/worse.txt", Trials(1.0));
  const nlohmann::json w = Json("--bootstrap 200 --compare '" + worse + "'")["bootstrap"]["compare"];
  const double d = w["eer_difference"], low = w["eer_difference_ci95"][0], high = w["eer_difference_ci95"][1];
  EXPECT_GT(d, 0.05);
  EXPECT_LE(low, d);
  EXPECT_GE(high, d);
  EXPECT_GT(low, 0.0);  // spoofs shifted by 1 on a spread of +-2.5: a difference the trials resolve

  testing::CommandResult text = RunAntispoof("metrics --scores '" + a_ + "' --bootstrap 200 --compare '" + worse + "'");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("EER 95 % bootstrap interval (200 replicates, seed 0): ["), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("paired 95 % bootstrap interval [+"), std::string::npos) << text.out;
}

TEST_F(MetricsBootstrap, BadRequestsAreRefusedNamingWhatIsWrong) {
  std::vector<Trial> fewer = Trials(0.0);
  fewer.erase(fewer.begin() + 7);
  const std::string other = Write(dir_ + "/fewer.txt", fewer);
  testing::CommandResult r = RunAntispoof("metrics --scores '" + a_ + "' --bootstrap 50 --compare '" + other + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("do not score the same trials (LA_E_1000007 is in " + a_ + " only)"), std::string::npos) << r.err;
  r = RunAntispoof("metrics --scores '" + a_ + "' --compare '" + other + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--compare needs --bootstrap N"), std::string::npos) << r.err;
  r = RunAntispoof("metrics --scores '" + a_ + "' --bootstrap 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--bootstrap"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace antispoof
