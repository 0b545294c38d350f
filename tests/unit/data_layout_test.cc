#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"
#include "antispoof/data/layout.h"
#include "support/test_support.h"

namespace antispoof::data {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

void Touch(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  audio::WriteAudio(path, {0.1f, 0.2f}, 16000);
}

TEST(Layout, SplitNames) {
  EXPECT_EQ(ParseSplit("dev"), Split::kDev);
  EXPECT_EQ(SplitName(Split::kEval), "eval");
  EXPECT_THROW(ParseSplit("test"), Error);
  EXPECT_EQ(SplitOfUtterance("LA_T_1138215"), Split::kTrain);
  EXPECT_EQ(SplitOfUtterance("LA_E_1"), Split::kEval);
  EXPECT_EQ(SplitOfUtterance("DF_E_1"), std::nullopt);
}

TEST(Layout, OfficialLayoutFromLaFolderOrItsParent) {
  std::string root = antispoof::testing::TempDir();
  Touch(root + "/LA/ASVspoof2019_LA_train/flac/LA_T_1.flac");
  Touch(root + "/LA/ASVspoof2019_LA_dev/flac/LA_D_1.flac");
  fs::create_directories(root + "/LA/ASVspoof2019_LA_cm_protocols");
  std::ofstream(root + "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.dev.trl.txt")
      << "LA_0001 LA_D_1 - - bonafide\n";
  for (const std::string& r : {root, root + "/LA"}) {
    SCOPED_TRACE(r);
    EXPECT_EQ(FindLaRoot(r), root + "/LA");
    AudioLocator inferred(r);
    EXPECT_TRUE(inferred.official_layout());
    EXPECT_EQ(inferred.Find("LA_T_1"), root + "/LA/ASVspoof2019_LA_train/flac/LA_T_1.flac");
    EXPECT_EQ(inferred.Find("LA_D_1"), root + "/LA/ASVspoof2019_LA_dev/flac/LA_D_1.flac");
    EXPECT_EQ(inferred.Find("LA_D_2"), std::nullopt);
    AudioLocator dev(r, Split::kDev);
    EXPECT_EQ(dev.Find("LA_T_1"), std::nullopt);
    EXPECT_EQ(dev.ExpectedPath("LA_T_1"), root + "/LA/ASVspoof2019_LA_dev/flac/LA_T_1.flac");
    EXPECT_EQ(FindProtocol(r, Split::kDev),
              root + "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.dev.trl.txt");
    EXPECT_THROW(FindProtocol(r, Split::kTrain), Error);
  }
}

TEST(Layout, FlatFolderWithFlacAndWav) {
  std::string dir = antispoof::testing::TempDir();
  Touch(dir + "/u1.flac");
  Touch(dir + "/u2.wav");
  AudioLocator flat(dir);
  EXPECT_FALSE(flat.official_layout());
  EXPECT_EQ(flat.Find("u1"), dir + "/u1.flac");
  EXPECT_EQ(flat.Find("u2"), dir + "/u2.wav");
  EXPECT_EQ(flat.Find("u3"), std::nullopt);
  EXPECT_THROW(AudioLocator(dir + "/absent"), Error);
}

TEST(Layout, MissingFilesAreReportedAllAtOnce) {
  std::string dir = antispoof::testing::TempDir();
  Touch(dir + "/U1.flac");
  Touch(dir + "/U4.flac");
  Protocol p = ParseProtocol(
      "S U1 - - bonafide\nS U2 - A01 spoof\nS U3 - A01 spoof\nS U4 - A02 spoof\n", "p.txt");
  try {
    BuildDataset(p, dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("2 of the 4 audio files listed in p.txt are missing"));
    EXPECT_THAT(what, HasSubstr("first: U2, U3"));
    EXPECT_THAT(what, HasSubstr("--skip-missing"));
  }
  DatasetOptions options;
  options.skip_missing = true;
  Dataset d = BuildDataset(p, dir, options);
  EXPECT_EQ(d.missing, 2);
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].utt, "U1");
  EXPECT_EQ(d.items[0].label, 1);
  EXPECT_EQ(d.items[1].utt, "U4");
  EXPECT_EQ(d.items[1].attack, "A02");
  EXPECT_EQ(d.items[1].label, 0);
  EXPECT_EQ(d.items[1].path, dir + "/U4.flac");
  Protocol none = ParseProtocol("S U7 - - bonafide\n", "q.txt");
  EXPECT_THROW(BuildDataset(none, dir, options), Error);
}

TEST(LayoutShared, EvalProtocolAgainstSharedTreeReportsMissingFiles) {
  ANTISPOOF_REQUIRE_SHARED();
  const std::string root = antispoof::testing::SharedDir() + "/asvspoof2019";
  std::string protocol_path = FindProtocol(root, Split::kEval);
  Protocol p = ReadProtocol(protocol_path);
  try {
    BuildDataset(p, root + "/LA");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("71236 of the 71237 audio files"));
    EXPECT_THAT(e.what(), HasSubstr("ASVspoof2019_LA_eval/flac/"));
  }
  DatasetOptions options;
  options.skip_missing = true;
  options.split = Split::kEval;
  Dataset d = BuildDataset(p, root, options);
  EXPECT_EQ(d.missing, 71236);
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].utt, "LA_E_6163791");
  EXPECT_EQ(d.items[0].attack, "A09");
  EXPECT_EQ(audio::LoadAudio(d.items[0].path).size(), 30389u);
}

}  // namespace
}  // namespace antispoof::data
