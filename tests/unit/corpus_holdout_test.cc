// Held-out conditions (corpus/holdout.h) on a miniature corpus: metadata, protocols and audio.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/corpus/holdout.h"
#include "support/test_support.h"

namespace antispoof::corpus {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// utterance split speaker language attack
const char* const kRows[][5] = {
    {"LA_T_1", "train", "LA_0101", "en", "-"},  {"LA_T_2", "train", "LA_0101", "en", "A01"},
    {"LA_T_3", "train", "LA_0102", "it", "-"},  {"LA_T_4", "train", "LA_0102", "it", "A02"},
    {"LA_D_1", "dev", "LA_0101", "en", "-"},    {"LA_D_2", "dev", "LA_0101", "en", "A01"},
    {"LA_D_3", "dev", "LA_0102", "it", "A02"},  {"LA_E_1", "eval", "LA_0101", "en", "-"},
    {"LA_E_2", "eval", "LA_0102", "it", "-"},   {"LA_E_3", "eval", "LA_0101", "en", "A07"},
    {"LA_E_4", "eval", "LA_0102", "it", "A01"},
};

std::string WriteMiniCorpus() {
  const std::string root = antispoof::testing::TempDir();
  std::string meta = "utterance\tsplit\tspeaker\tvoice\tlanguage\tattack\n";
  for (const auto& r : kRows) {
    meta += std::string(r[0]) + "\t" + r[1] + "\t" + r[2] + "\tv\t" + r[3] + "\t" + r[4] + "\n";
    const std::string dir = root + "/LA/ASVspoof2019_LA_" + r[1] + "/flac";
    fs::create_directories(dir);
    std::ofstream(dir + "/" + r[0] + ".flac") << r[0];
  }
  WriteFileAtomic(root + "/LA/corpus_metadata.tsv", meta);
  return root;
}

std::string Protocol(const HoldoutSummary& h, const std::string& name) {
  return ReadFile(h.root + "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm." + name + ".txt");
}

TEST(Holdout, ParsesKeyEqualsValue) {
  HoldoutSpec s = ParseHoldout("language=it");
  EXPECT_EQ(s.key, "language");
  EXPECT_EQ(s.value, "it");
  for (const char* bad : {"language", "language=", "gender=f", "=it"})
    EXPECT_THAT(antispoof::testing::ErrorMessageOf([&] { ParseHoldout(bad); }),
                HasSubstr("expected KEY=VALUE with KEY language, speaker or attack"))
        << bad;
}

TEST(Holdout, LanguageLeavesTrainAndDevAndIsAloneInEval) {
  const std::string root = WriteMiniCorpus();
  const std::string corpus_before = ReadFile(root + "/LA/corpus_metadata.tsv");
  HoldoutSummary h = WriteHoldout(root, ParseHoldout("language=it"));
  EXPECT_EQ(h.root, root + "/holdout_language_it");
  EXPECT_EQ(Protocol(h, "train.trn"), "LA_0101 LA_T_1 - - bonafide\nLA_0101 LA_T_2 - A01 spoof\n");
  EXPECT_EQ(Protocol(h, "dev.trl"), "LA_0101 LA_D_1 - - bonafide\nLA_0101 LA_D_2 - A01 spoof\n");
  EXPECT_EQ(Protocol(h, "eval.trl"),
            "LA_0102 LA_T_3 - - bonafide\nLA_0102 LA_T_4 - A02 spoof\nLA_0102 LA_D_3 - A02 spoof\n"
            "LA_0102 LA_E_2 - - bonafide\nLA_0102 LA_E_4 - A01 spoof\n");
  EXPECT_EQ(h.splits.at("eval").bonafide, 2);
  EXPECT_EQ(h.splits.at("eval").spoof, 3);
  // Every listed file is where training and evaluation look: the folder of its protocol's split.
  for (auto [split, name] : {std::pair{"train", "train.trn"}, {"dev", "dev.trl"}, {"eval", "eval.trl"}}) {
    std::istringstream lines(Protocol(h, name));
    for (std::string speaker, utt, dash, attack, key; lines >> speaker >> utt >> dash >> attack >> key;) {
      EXPECT_EQ(ReadFile(h.root + "/LA/ASVspoof2019_LA_" + split + "/flac/" + utt + ".flac"), utt) << name;
    }
  }
  // The in-domain test set: the corpus's eval without Italian, its audio in the corpus's eval folder.
  EXPECT_EQ(Protocol(h, "eval_seen.trl"), "LA_0101 LA_E_1 - - bonafide\nLA_0101 LA_E_3 - A07 spoof\n");
  EXPECT_EQ(h.eval_seen_protocol, h.root + "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.eval_seen.trl.txt");
  EXPECT_EQ(h.eval_seen.bonafide, 1);
  EXPECT_EQ(h.eval_seen.spoof, 1);
  EXPECT_EQ(ReadFile(root + "/LA/ASVspoof2019_LA_eval/flac/LA_E_3.flac"), "LA_E_3");
  EXPECT_EQ(ReadFile(root + "/LA/corpus_metadata.tsv"), corpus_before);
  EXPECT_THAT(ReadFile(h.root + "/holdout.txt"), HasSubstr("held out: language=it"));
  EXPECT_THAT(ReadFile(h.root + "/holdout.txt"), HasSubstr("eval_seen (the corpus's eval without the condition"));
}

TEST(Holdout, AttackKeepsEvalBonafide) {
  const std::string root = WriteMiniCorpus();
  HoldoutSummary h = WriteHoldout(root, ParseHoldout("attack=A01"));
  EXPECT_EQ(Protocol(h, "train.trn"),
            "LA_0101 LA_T_1 - - bonafide\nLA_0102 LA_T_3 - - bonafide\nLA_0102 LA_T_4 - A02 spoof\n");
  EXPECT_EQ(Protocol(h, "eval.trl"),
            "LA_0101 LA_T_2 - A01 spoof\nLA_0101 LA_D_2 - A01 spoof\nLA_0101 LA_E_1 - - bonafide\n"
            "LA_0102 LA_E_2 - - bonafide\nLA_0102 LA_E_4 - A01 spoof\n");
  // In-domain: eval's bona fide and every other attack's spoofs.
  EXPECT_EQ(Protocol(h, "eval_seen.trl"),
            "LA_0101 LA_E_1 - - bonafide\nLA_0102 LA_E_2 - - bonafide\nLA_0101 LA_E_3 - A07 spoof\n");
}

TEST(Holdout, UnknownValueListsThePresentOnes) {
  const std::string root = WriteMiniCorpus();
  EXPECT_THAT(antispoof::testing::ErrorMessageOf([&] { WriteHoldout(root, ParseHoldout("language=de")); }),
              HasSubstr("no utterance has language de; present: en, it"));
  EXPECT_THAT(antispoof::testing::ErrorMessageOf([&] { WriteHoldout(root, ParseHoldout("attack=bonafide")); }),
              HasSubstr("present: A01, A02, A07"));
  // Holding out LA_0101 leaves dev with spoofs only.
  EXPECT_THAT(antispoof::testing::ErrorMessageOf([&] { WriteHoldout(root, ParseHoldout("speaker=LA_0101")); }),
              HasSubstr("the dev split would hold 0 bona fide and 1 spoof utterances"));
  EXPECT_FALSE(fs::exists(root + "/holdout_speaker_LA_0101"));
}

}  // namespace
}  // namespace antispoof::corpus
