// Fault catalogue, protocols: malformed lines are errors naming the file and line; tolerated
// spellings (CRLF, BOM, trailing spaces) read exactly like the clean file; a protocol naming
// files that do not exist stops training before it starts.
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

const char kClean[] =
    "LA_0079 LA_T_1000000 - - bonafide\n"
    "LA_0079 LA_T_1000001 - A01 spoof\n"
    "LA_0080 LA_T_1000002 - A02 spoof\n";

class ProtocolFaults : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  CommandResult Summarise(const std::string& name, const std::string& text) {
    path_ = dir_ + "/" + name;
    Spit(path_, text);
    return RunAntispoof("protocol --protocol " + Quote(path_));
  }
  void ExpectError(const CommandResult& r, long line, const std::string& what) {
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(Contains(r.err, path_ + ":" + std::to_string(line) + ": ")) << r.err;
    EXPECT_TRUE(Contains(r.err, what)) << r.err;
  }
  std::string dir_, path_;
};

TEST_F(ProtocolFaults, TooFewColumnsNamesTheLine) {
  ExpectError(Summarise("few.txt", std::string(kClean) + "LA_0080 LA_T_1000003 - spoof\n"), 4,
              "4 columns, expected 5 columns");
}

TEST_F(ProtocolFaults, UtteranceIdThatWouldLeaveTheAudioFolderNamesTheLine) {
  // `../x` used to read DATA/ASVspoof2019_LA_train/x.flac, outside the split's folder.
  ExpectError(Summarise("escape.txt", std::string(kClean) + "LA_0080 ../../secret - A02 spoof\n"), 4,
              "utterance id '../../secret' contains a path separator");
  ExpectError(Summarise("dotdot.txt", "LA_0079 .. - - bonafide\n"), 1, "utterance id '..' is '..'");
}

TEST_F(ProtocolFaults, UnknownKeyNamesTheLineAndTheKey) {
  ExpectError(Summarise("key.txt", "LA_0079 LA_T_1 - - bonafide\nLA_0079 LA_T_2 - A01 spoofed\n"),
              2, "unknown key 'spoofed'");
}

TEST_F(ProtocolFaults, DuplicateUtteranceNamesBothLines) {
  ExpectError(Summarise("dup.txt", std::string(kClean) + "LA_0079 LA_T_1000001 - A03 spoof\n"), 4,
              "duplicate utterance LA_T_1000001 (first on line 2)");
}

TEST_F(ProtocolFaults, EmptyProtocolIsAnError) {
  CommandResult r = Summarise("empty.txt", "\n  \n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, path_ + ": protocol has no entries")) << r.err;
}

TEST_F(ProtocolFaults, CrlfBomsAndTrailingSpacesReadLikeTheCleanFile) {
  CommandResult clean = Summarise("clean.txt", kClean);
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  auto body = [](const std::string& out) {
    return out.substr(out.find('\n'));
  };  // after the path line
  std::string crlf, spaces;
  for (char c : std::string(kClean)) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (char c : std::string(kClean))
    spaces += c == '\n' ? std::string(" \t \n") : std::string(1, c);
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"crlf.txt", crlf},
           {"bom.txt", "\xEF\xBB\xBF" + std::string(kClean)},
           {"spaces.txt", spaces},
           // `cat a.txt b.txt` where b.txt starts with a BOM.
           {"joined.txt", std::string(kClean).insert(34, "\xEF\xBB\xBF")}}) {
    SCOPED_TRACE(name);
    CommandResult r = Summarise(name, text);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(body(r.out), body(clean.out));
  }
}

TEST_F(ProtocolFaults, MissingAudioStopsTrainingBeforeItStarts) {
  const std::string la = WriteCorpus(dir_, 8, 6);
  fs::remove(la + "/ASVspoof2019_LA_train/flac/LA_T_1000003.wav");
  fs::remove(la + "/ASVspoof2019_LA_train/flac/LA_T_1000005.wav");
  const std::string out = dir_ + "/run";
  CommandResult r = RunAntispoof(TrainArgs(WriteTinyConfig(dir_), la, out));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "2 of the 8 audio files listed in")) << r.err;
  EXPECT_TRUE(Contains(r.err, "ASVspoof2019.LA.cm.train.trn.txt")) << r.err;
  EXPECT_TRUE(Contains(r.err, "LA_T_1000003, LA_T_1000005")) << r.err;
  EXPECT_TRUE(Contains(r.err, "--skip-missing")) << r.err;
  EXPECT_FALSE(fs::exists(out + "/last.pth"));
  // With --skip-missing the run goes on without them.
  CommandResult skip = RunAntispoof(TrainArgs(WriteTinyConfig(dir_), la, out, "--skip-missing"));
  EXPECT_EQ(skip.exit_code, 0) << skip.err;
  EXPECT_TRUE(Contains(skip.err, "skipping 2 missing audio files")) << skip.err;
}

}  // namespace
}  // namespace antispoof::faults
