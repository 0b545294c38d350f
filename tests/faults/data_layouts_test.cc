// Fault catalogue and end-to-end checks of the public datasets' layouts: a generated miniature of
// each layout is scored by `antispoof score` (the layout detected from the files present, or
// named with --layout) and its keys give `antispoof metrics` an EER; a missing file, a malformed
// line and an unknown label stop with the file (and line) named and the layout that was used.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class LayoutFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = SharedTinyRun();
    root_ = testing::TempDir();
  }
  // A 0.6 s recording: bona fide ones are noise, spoofs tones (as the tiny run was trained on).
  void Audio(const std::string& relative, bool bona) {
    fs::create_directories(fs::path(root_ + "/" + relative).parent_path());
    Spit(root_ + "/" + relative, Wav(bona ? Noise(9600, seed_++) : Tone(9600, 200 + 50 * (seed_++ % 7))));
  }
  std::string Text(const std::string& relative, const std::string& text) {
    fs::create_directories(fs::path(root_ + "/" + relative).parent_path());
    Spit(root_ + "/" + relative, text);
    return root_ + "/" + relative;
  }
  // `antispoof score` of the miniature: its utterances in order; the scores are kept in scores_.
  std::vector<std::string> ScoreUtts(const std::string& flags) {
    CommandResult r = Score(run_, "", "", "--data-root " + Quote(root_) + " " + flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    scores_ = root_ + "/scores.txt";
    Spit(scores_, r.out);
    std::vector<std::string> utts;
    std::istringstream in(r.out);
    for (std::string utt, score; in >> utt >> score;) utts.push_back(utt);
    return utts;
  }
  // The pooled EER `antispoof metrics` computes from the scores and the layout's key file.
  void ExpectEer(const std::string& keys) {
    CommandResult m = RunAntispoof("metrics --json --scores " + Quote(scores_) + " --protocol " + Quote(keys));
    ASSERT_EQ(m.exit_code, 0) << m.err;
    EXPECT_TRUE(Contains(m.out, "\"eer\"")) << m.out;
  }
  TinyRun run_;
  std::string root_, scores_;
  unsigned seed_ = 1;
};

TEST_F(LayoutFaults, La2021KeysAreDetectedScoredAndGiveAnEer) {
  const std::string keys = Text("keys/LA/CM/trial_metadata.txt",
                                "LA_0009 LA_E_1 alaw ita_tx bonafide bonafide notrim eval\n"
                                "LA_0009 LA_E_2 none alaw A07 spoof notrim progress\n"
                                "LA_0010 LA_E_3 ulaw pstn bonafide bonafide notrim eval\n"
                                "LA_0010 LA_E_4 none alaw A13 spoof notrim eval\n");
  for (int i = 1; i <= 4; ++i) Audio("ASVspoof2021_LA_eval/flac/LA_E_" + std::to_string(i) + ".wav", i % 2 == 1);
  EXPECT_EQ(ScoreUtts(""), (std::vector<std::string>{"LA_E_1", "LA_E_2", "LA_E_3", "LA_E_4"}));
  ExpectEer(keys);
  fs::remove(root_ + "/ASVspoof2021_LA_eval/flac/LA_E_3.wav");
  CommandResult r = Score(run_, "", "", "--data-root " + Quote(root_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "layout la2021 (detected): 1 of the 4 audio files listed in " + keys +
                                  " are missing")) << r.err;
  EXPECT_TRUE(Contains(r.err, "first: LA_E_3")) << r.err;
}

TEST_F(LayoutFaults, Df2021WithTheLayoutNamed) {
  const std::string keys = Text("DF-keys-full/keys/DF/CM/trial_metadata.txt",
                                "LA_0023 DF_E_1 nocodec asvspoof A14 spoof notrim progress traditional_vocoder - - - -\n"
                                "TEF2 DF_E_2 low_m4a vcc2020 bonafide bonafide notrim eval bonafide - - FF E\n");
  Audio("ASVspoof2021_DF_eval_part00/ASVspoof2021_DF_eval/flac/DF_E_1.wav", false);
  Audio("ASVspoof2021_DF_eval_part01/ASVspoof2021_DF_eval/flac/DF_E_2.wav", true);
  EXPECT_EQ(ScoreUtts("--layout df2021"), (std::vector<std::string>{"DF_E_1", "DF_E_2"}));
  ExpectEer(keys);
}

TEST_F(LayoutFaults, Asvspoof5ProtocolColumns) {
  const std::string tsv = Text("ASVspoof5_protocols/ASVspoof5.dev.track_1.tsv",
                               "D_0062 D_0000000001 F - - - bonafide bonafide bonafide -\n"
                               "D_0755 D_0000000002 M - - - A11 A11 spoof -\n"
                               "D_0755 D_0000000003 M - - - A12 A12 spoof -\n");
  Audio("flac_D/D_0000000001.wav", true);
  Audio("flac_D/D_0000000002.wav", false);
  Audio("flac_D/D_0000000003.wav", false);
  EXPECT_EQ(ScoreUtts("--protocol " + Quote(tsv)),
            (std::vector<std::string>{"D_0000000001", "D_0000000002", "D_0000000003"}));
  ExpectEer(tsv);
  CommandResult p = RunAntispoof("protocol --protocol " + Quote(tsv) + " --data-root " + Quote(root_));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_TRUE(Contains(p.out, "ASVspoof 5 protocol, 10 columns")) << p.out;
  EXPECT_TRUE(Contains(p.out, "(layout asvspoof5): 3 found, 0 missing")) << p.out;
  Text("bad.tsv", "D_0062 D_0000000001 F - - - bonafide bonafide bonafide -\nD_0755 D_0000000002 M - - A11 A11 spoof -\n");
  CommandResult bad = RunAntispoof("protocol --protocol " + Quote(root_ + "/bad.tsv"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(Contains(bad.err, root_ + "/bad.tsv:2: 9 columns, expected ASVspoof 5 protocol")) << bad.err;
}

TEST_F(LayoutFaults, InTheWildMetaCsv) {
  const std::string meta = Text("release_in_the_wild/meta.csv",
                                "file,speaker,label\n0.wav,Alec Guinness,spoof\n1.wav,Alec Guinness,bona-fide\n"
                                "2.wav,Barack Obama,bona-fide\n3.wav,Barack Obama,spoof\n");
  for (int i = 0; i < 4; ++i) Audio("release_in_the_wild/" + std::to_string(i) + ".wav", i == 1 || i == 2);
  EXPECT_EQ(ScoreUtts(""), (std::vector<std::string>{"0", "1", "2", "3"}));
  ExpectEer(meta);
  Text("release_in_the_wild/meta.csv", "file,speaker,label\n0.wav,A,spoof\n1.wav,A,fake\n");
  CommandResult r = Score(run_, "", "", "--data-root " + Quote(root_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "layout itw (detected): " + meta + ":3: unknown label 'fake'")) << r.err;
}

TEST_F(LayoutFaults, FolderOfBonafideAndSpoof) {
  Audio("bonafide/b1.wav", true);
  Audio("bonafide/b2.wav", true);
  Audio("spoof/A01/s1.wav", false);
  Audio("spoof/s2.wav", false);
  EXPECT_EQ(ScoreUtts(""), (std::vector<std::string>{"b1", "b2", "s1", "s2"}));
  CommandResult p = RunAntispoof("protocol --data-root " + Quote(root_));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_TRUE(Contains(p.out, "utterances 4: bonafide 2, spoof 2")) << p.out;
  EXPECT_TRUE(Contains(p.out, "A01")) << p.out;
  // Its keys as a CM protocol give the metrics an EER.
  const std::string keys = root_ + "/keys.txt";
  CommandResult w = RunAntispoof("protocol --data-root " + Quote(root_) + " --write " + Quote(keys));
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(Slurp(keys), "- b1 - - bonafide\n- b2 - - bonafide\n- s1 - A01 spoof\n- s2 - spoof spoof\n");
  ExpectEer(keys);
}

TEST_F(LayoutFaults, UnknownOrUndetectableLayoutIsNamed) {
  CommandResult r = Score(run_, "", "", "--data-root " + Quote(root_) + " --layout wild");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "unknown layout 'wild': expected one of auto, la2019, la2021, df2021, asvspoof5, "
                              "itw, folder")) << r.err;
  CommandResult d = Score(run_, "", "", "--data-root " + Quote(root_));
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_TRUE(Contains(d.err, root_ + ": cannot tell the dataset layout without a protocol")) << d.err;
}

}  // namespace
}  // namespace antispoof::faults
