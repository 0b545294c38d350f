// `antispoof corpus --holdout` on a copy of the tiny corpus: the held-out data root keeps the
// condition out of train and dev, tests on it alone, finds every file, and leaves the corpus as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using ::antispoof::testing::RunAntispoof;
using ::antispoof::testing::Slurp;
using ::testing::HasSubstr;

std::string ProtocolPath(const std::string& root, const std::string& split) {
  return root + "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm." + split +
         (split == "train" ? ".trn.txt" : ".trl.txt");
}

// utterance -> language, from the corpus metadata.
std::map<std::string, std::string> Languages(const std::string& root) {
  std::map<std::string, std::string> out;
  std::istringstream in(Slurp(root + "/LA/corpus_metadata.tsv"));
  std::string line;
  std::getline(in, line);  // header: utterance split speaker voice language ...
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string utt, split, speaker, voice, language;
    std::getline(f, utt, '\t');
    std::getline(f, split, '\t');
    std::getline(f, speaker, '\t');
    std::getline(f, voice, '\t');
    std::getline(f, language, '\t');
    out[utt] = language;
  }
  return out;
}

TEST(CorpusHoldout, LanguageIsKeptOutOfTrainAndDevAndAloneInEval) {
  const std::string root = antispoof::testing::TempDir() + "/corpus";
  fs::copy(antispoof::testing::TinyCorpusDir(), root, fs::copy_options::recursive);
  std::map<std::string, std::string> before;
  for (const std::string split : {"train", "dev", "eval"}) before[split] = Slurp(ProtocolPath(root, split));

  auto r = RunAntispoof("corpus --size tiny --jobs 2 --out '" + root + "' --holdout language=nl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string held = root + "/holdout_language_nl";
  EXPECT_THAT(r.out, HasSubstr("holdout language=nl in " + held));
  const auto language = Languages(root);
  int eval_lines = 0;
  for (const std::string split : {"train", "dev", "eval"}) {
    EXPECT_EQ(Slurp(ProtocolPath(root, split)), before[split]) << "the corpus changed";
    std::istringstream lines(Slurp(ProtocolPath(held, split)));
    for (std::string speaker, utt, dash, attack, key; lines >> speaker >> utt >> dash >> attack >> key;) {
      ASSERT_TRUE(language.count(utt)) << utt;
      if (split == "eval") {
        EXPECT_EQ(language.at(utt), "nl") << utt;
        ++eval_lines;
      } else {
        EXPECT_NE(language.at(utt), "nl") << split << " " << utt;
      }
    }
    auto p = RunAntispoof("protocol --data-root '" + held + "' --split " + split);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_THAT(p.out, HasSubstr(" 0 missing")) << p.out;
  }
  int nl = 0;
  for (const auto& [utt, lang] : language) nl += lang == "nl";
  EXPECT_EQ(eval_lines, nl);  // every Dutch utterance of every split

  auto bad = RunAntispoof("corpus --size tiny --jobs 2 --out '" + root + "' --holdout language=xx");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("no utterance has language xx; present: en, es, fr, it, nl"));
}

}  // namespace
