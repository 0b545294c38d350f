#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "antispoof/corpus/corpus.h"
#include "antispoof/corpus/dsp.h"
#include "antispoof/corpus/shortcut.h"

namespace antispoof::corpus {
namespace {

Signal Tone(double hz, double seconds, double amp = 0.3) {
  Signal x(static_cast<size_t>(seconds * 16000));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(amp * std::sin(2 * M_PI * hz * i / 16000));
  return x;
}

TEST(CorpusDsp, FftRoundTrip) {
  std::vector<std::complex<double>> a(64);
  for (int i = 0; i < 64; ++i) a[i] = std::sin(i * 0.3) + 0.1 * i;
  auto b = a;
  Fft(b, false);
  Fft(b, true);
  for (int i = 0; i < 64; ++i) EXPECT_NEAR(std::abs(a[i] - b[i]), 0, 1e-9);
}

TEST(CorpusDsp, StftResynthesisIsTransparent) {
  Signal x = Tone(440, 0.5);
  Signal y = Synthesise(Analyse(x, 512, 128));
  ASSERT_EQ(y.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], 1e-4);
}

TEST(CorpusDsp, StretchHasTheRequestedLength) {
  Signal x = Tone(200, 1.0);
  EXPECT_EQ(StretchTo(x, 20000, 16000).size(), 20000u);
  EXPECT_EQ(StretchTo(x, 9000, 16000).size(), 9000u);
}

TEST(CorpusDsp, SpeechCutsTrimSilenceAndShortenPauses) {
  Signal x(16000 * 3, 0.0f);
  Signal tone = Tone(300, 0.5);
  std::copy(tone.begin(), tone.end(), x.begin() + 8000);           // 0.5-1.0 s
  std::copy(tone.begin(), tone.end(), x.begin() + 16000 * 2);      // 2.0-2.5 s
  Rng rng(1);
  Signal y = ApplyCuts(x, SpeechCuts(x, 16000, rng));
  // Two 0.5 s tones, a pause shortened from 1 s to at most 0.22 s, 20 ms pads.
  EXPECT_GT(y.size(), 16000u);
  EXPECT_LT(y.size(), 16000u + 4000u);
}

TEST(CorpusDsp, BandLimitRemovesHighFrequencies) {
  Signal hi = BandLimit(Tone(7600, 1.0), 16000, 70, 7000);
  double e = 0;
  for (float v : hi) e += v * v;
  EXPECT_LT(e / hi.size(), 1e-6);
  Signal mid = BandLimit(Tone(1000, 1.0), 16000, 70, 7000);
  EXPECT_NEAR(ActiveLevelDb(mid, 16000), ActiveLevelDb(Tone(1000, 1.0), 16000), 0.1);
}

TEST(CorpusDsp, LimiterBoundsPeaksAndKeepsQuietParts) {
  Signal x = Tone(200, 1.0, 0.05);
  x[8000] = 0.9f;
  Signal y = Limit(x, 16000, 0.1);
  for (float v : y) ASSERT_LE(std::fabs(v), 0.1 + 1e-6);
  EXPECT_NEAR(y[2000], x[2000], 1e-6);
}

TEST(CorpusShortcut, EerOfSeparatedAndIdenticalScores) {
  EXPECT_DOUBLE_EQ(Eer({2, 3, 4}, {0, 1}), 0.0);
  EXPECT_DOUBLE_EQ(Eer({0, 1}, {2, 3, 4}), 1.0);
  EXPECT_NEAR(Eer({1, 1, 1}, {1, 1, 1}), 0.5, 1e-9);
  EXPECT_EQ(Features(Tone(500, 1.0), 16000).size(), FeatureNames().size());
}

TEST(CorpusProtocol, OfficialFiveColumns) {
  EXPECT_EQ(ProtocolLine("LA_0101", "LA_T_1000001", "-"), "LA_0101 LA_T_1000001 - - bonafide");
  EXPECT_EQ(ProtocolLine("LA_0104", "LA_E_1000002", "A09"), "LA_0104 LA_E_1000002 - A09 spoof");
}

TEST(CorpusSizes, AttacksAndSizes) {
  auto d = SizesFor("default");
  // Nine attacks in every split, 1 in 4 bona fide: ~600/300/600 utterances.
  EXPECT_EQ(d["train"].bonafide + 9 * d["train"].per_attack, 600);
  EXPECT_EQ(d["dev"].bonafide + 9 * d["dev"].per_attack, 300);
  EXPECT_EQ(d["eval"].bonafide + 9 * d["eval"].per_attack, 600);
  EXPECT_THROW(SizesFor("huge"), std::exception);
  std::map<std::string, int> per_split;
  std::map<std::string, std::string> generator;
  for (const auto& a : Attacks()) {
    int n = std::stoi(a.id.substr(1));
    bool eval_only = a.splits.size() == 1 && a.splits[0] == "eval";
    // As ASVspoof 2019 LA: A01-A09 train and dev, A10-A19 eval.
    EXPECT_EQ(eval_only, n >= 10) << a.id;
    for (const auto& s : a.splits) per_split[s]++;
    generator[a.id] = a.generator;
  }
  EXPECT_EQ(per_split["train"], 9);
  EXPECT_EQ(per_split["dev"], 9);
  EXPECT_EQ(per_split["eval"], 9);
  // The known attacks in eval (LA's A16 = A04, A19 = A06); neural attacks in training and unseen
  // ones in eval (Piper VITS TTS, LPCNet with other settings).
  EXPECT_EQ(generator["A16"], generator["A04"]);
  EXPECT_EQ(generator["A19"], generator["A06"]);
  EXPECT_EQ(generator["A07"], "lpcnet");
  EXPECT_EQ(generator["A08"], "world");
  EXPECT_EQ(generator["A14"], "piper");
  EXPECT_EQ(generator["A15"], "lpcnet-conversion");
}

}  // namespace
}  // namespace antispoof::corpus
