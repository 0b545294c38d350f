// Whole recordings and streams through the real binary, on recordings made by concatenating
// bona fide and spoofed utterances of one speaker from the tiny corpus:
//   - score --window --segments: each recording is the first second of each of its utterances, so the
//     windows that lie on an utterance are exactly what the model saw of it in training and by the
//     reference rule: the timeline must give each of them that utterance's reference score (it puts
//     every window where its audio is), and windows over the spoofed parts score lower on average
//     than windows over the bona fide parts (a model trained briefly on these utterances: the test
//     checks where the timeline puts the scores, not that the model generalises);
//   - every aggregate is that of the timeline's window scores, the JSON timeline is the text one, and a
//     file exactly one window long scores as without --window;
//   - score --stream on the same audio as raw PCM, as a WAV stream and through a pipe prints the same
//     windows and scores, and ends cleanly; odd bytes, a truncated WAV and another rate are errors;
//   - bad window flags are errors naming the flag.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "support/test_support.h"

namespace {
namespace fs = std::filesystem;
using antispoof::testing::RunAntispoof;
using antispoof::testing::Slurp;
using ::testing::HasSubstr;

constexpr int kRate = 16000;

// A RawNet2 with the reference structure but narrow layers, on 1-second inputs.
std::string TinyConfig(const std::string& dir, int epochs) {
  const std::string path = dir + "/tiny.yaml";
  std::ofstream(path) << "batch_size: 4\nnum_epochs: " << epochs << "\nlr: 0.003\nlog_every: 1\nthreads: 2\n"
                      << "model:\n  nb_samp: 16000\n  first_conv: 128\n  in_channels: 1\n"
                         "  filts: [20, [20, 20], [20, 32], [32, 32]]\n  blocks: [2, 4]\n"
                         "  nb_fc_node: 16\n  gru_node: 16\n  nb_gru_layer: 1\n  nb_classes: 2\n";
  return path;
}

struct Model {
  std::string config, checkpoint;
  std::string Flags() const { return "--config '" + config + "' --checkpoint '" + checkpoint + "' --threads 2"; }
};

// Trains the tiny RawNet2 on the tiny corpus' train split.
Model Train(const std::string& dir, int epochs) {
  const std::string run = dir + "/run";
  auto r = RunAntispoof("--quiet train --config '" + TinyConfig(dir, epochs) + "' --data-root '" +
                        antispoof::testing::TinyCorpusDir() + "' --out '" + run + "' --seed 7");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return {run + "/config.yaml", run + "/last.pth"};
}

struct Utterance {
  std::string speaker, utt;
  bool bonafide = false;
};

std::vector<Utterance> TrainProtocol() {
  std::istringstream in(Slurp(antispoof::testing::TinyCorpusDir() +
                              "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.train.trn.txt"));
  std::vector<Utterance> out;
  std::string speaker, utt, dash, attack, key;
  while (in >> speaker >> utt >> dash >> attack >> key) out.push_back({speaker, utt, key == "bonafide"});
  return out;
}

std::vector<float> Load(const std::string& utt) {
  return antispoof::audio::LoadAudio(antispoof::testing::TinyCorpusDir() + "/LA/ASVspoof2019_LA_train/flac/" + utt +
                                     ".flac");
}

struct Part {
  std::string utt;
  int64_t start, end;  // samples
  bool bonafide;
};
struct Recording {
  std::string path;
  std::vector<Part> parts;
  int64_t samples = 0;
};

// One recording per speaker that has both classes in the train split: the first second of its bona
// fide and spoofed utterances, alternating (up to three of each).
std::vector<Recording> MakeRecordings(const std::string& dir) {
  std::map<std::string, std::vector<Utterance>> bona, spoof;
  for (const auto& u : TrainProtocol()) (u.bonafide ? bona : spoof)[u.speaker].push_back(u);
  std::vector<Recording> out;
  for (const auto& [speaker, b] : bona) {
    const auto& s = spoof[speaker];
    if (s.empty()) continue;
    Recording rec;
    std::vector<float> audio;
    for (size_t i = 0; i < 3 && (i < b.size() || i < s.size()); ++i) {
      for (const Utterance* u : {i < b.size() ? &b[i] : nullptr, i < s.size() ? &s[i] : nullptr}) {
        if (!u) continue;
        auto x = Load(u->utt);
        if (x.size() < static_cast<size_t>(kRate)) continue;
        x.resize(kRate);
        rec.parts.push_back({u->utt, static_cast<int64_t>(audio.size()), static_cast<int64_t>(audio.size()) + kRate,
                             u->bonafide});
        audio.insert(audio.end(), x.begin(), x.end());
      }
    }
    rec.path = dir + "/rec_" + speaker + ".flac";
    rec.samples = static_cast<int64_t>(audio.size());
    antispoof::audio::WriteAudio(rec.path, audio, kRate);
    out.push_back(rec);
  }
  return out;
}

struct Segment {
  std::string utt;
  double start, end, score;
};

std::vector<Segment> ReadSegments(const std::string& path) {
  std::istringstream in(Slurp(path));
  std::vector<Segment> out;
  Segment s;
  while (in >> s.utt >> s.start >> s.end >> s.score) out.push_back(s);
  return out;
}

// UTT -> SCORE from `score` output.
std::map<std::string, double> ReadScores(const std::string& text) {
  std::istringstream in(text);
  std::map<std::string, double> out;
  std::string utt;
  double score;
  while (in >> utt >> score) out[utt] = score;
  return out;
}

// The aggregate, computed here from its definition.
double Aggregate(const std::string& name, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (name == "min") return v.front();
  if (name == "max") return v.back();
  if (name == "median") return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

TEST(WholeRecordings, TheTimelineFollowsTheSpoofedPartsAndAggregatesItsWindows) {
  const std::string dir = antispoof::testing::TempDir();
  const Model model = Train(dir, 6);
  const auto recordings = MakeRecordings(dir);
  ASSERT_GE(recordings.size(), 2u);
  std::string files;
  for (const auto& r : recordings) files += " '" + r.path + "'";
  const std::string segments = dir + "/timeline.txt";
  auto r = RunAntispoof("score " + model.Flags() + " --window 1 --hop 0.5 --segments '" + segments + "'" + files);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto timeline = ReadSegments(segments);
  const auto mean_scores = ReadScores(r.out);
  ASSERT_EQ(mean_scores.size(), recordings.size()) << r.out;

  // The windows on an utterance score as the reference rule scores that utterance's file (its first
  // second), and spoofed ones lower on average.
  std::string utterance_files;
  for (const auto& rec : recordings)
    for (const Part& p : rec.parts)
      utterance_files += " '" + antispoof::testing::TinyCorpusDir() + "/LA/ASVspoof2019_LA_train/flac/" + p.utt + ".flac'";
  auto reference = RunAntispoof("score " + model.Flags() + utterance_files);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const auto reference_scores = ReadScores(reference.out);
  double sum[2] = {0, 0};
  int count[2] = {0, 0};
  for (const auto& rec : recordings) {
    const std::string utt = fs::path(rec.path).stem().string();
    for (const auto& s : timeline) {
      if (s.utt != utt) continue;
      const int64_t a = std::llround(s.start * kRate), b = std::llround(s.end * kRate);
      for (const Part& p : rec.parts) {
        if (a != p.start || b != p.end) continue;
        EXPECT_NEAR(s.score, reference_scores.at(p.utt), 1e-5) << utt << " " << s.start << " " << p.utt;
        sum[p.bonafide] += s.score;
        ++count[p.bonafide];
      }
    }
  }
  int parts = 0;
  for (const auto& rec : recordings) parts += static_cast<int>(rec.parts.size());
  EXPECT_EQ(count[0] + count[1], parts);  // every part has its window (hop 0.5 s, parts of 1 s)
  ASSERT_GT(count[0], 0);
  ASSERT_GT(count[1], 0);
  EXPECT_LT(sum[0] / count[0], sum[1] / count[1]) << "spoof windows " << count[0] << ", bona fide " << count[1];

  // Each aggregate is that of the file's window scores.
  std::map<std::string, std::vector<double>> by_utt;
  for (const auto& s : timeline) by_utt[s.utt].push_back(s.score);
  for (const char* aggregate : {"mean", "min", "max", "median"}) {
    auto a = RunAntispoof("score " + model.Flags() + " --window 1 --hop 0.5 --aggregate " + aggregate + files);
    ASSERT_EQ(a.exit_code, 0) << a.err;
    for (const auto& [utt, score] : ReadScores(a.out)) {
      const auto& w = by_utt[utt];
      ASSERT_FALSE(w.empty()) << utt;
      EXPECT_NEAR(score, Aggregate(aggregate, w), 1e-5) << aggregate << " " << utt;
      if (std::string(aggregate) == "mean") {
        EXPECT_NEAR(score, mean_scores.at(utt), 1e-6);
      }
    }
  }

  // The JSON timeline holds the same windows, and each file's aggregate.
  const auto json = nlohmann::json::parse(Slurp(segments + ".json"));
  EXPECT_EQ(json["aggregate"], "mean");
  EXPECT_DOUBLE_EQ(json["window"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(json["hop"].get<double>(), 0.5);
  size_t k = 0;
  for (const auto& f : json["files"]) {
    EXPECT_NEAR(f["score"].get<double>(), mean_scores.at(f["utt"].get<std::string>()), 1e-6);
    for (const auto& s : f["segments"]) {
      ASSERT_LT(k, timeline.size());
      EXPECT_EQ(f["utt"], timeline[k].utt);
      EXPECT_NEAR(s["start"].get<double>(), timeline[k].start, 1e-9);
      EXPECT_NEAR(s["end"].get<double>(), timeline[k].end, 1e-9);
      EXPECT_NEAR(s["score"].get<double>(), timeline[k].score, 1e-6);
      ++k;
    }
  }
  EXPECT_EQ(k, timeline.size());
  // The last window of each file ends at its end, and no window is longer than 1 s.
  for (const auto& rec : recordings) {
    const std::string utt = fs::path(rec.path).stem().string();
    double last_end = 0;
    for (const auto& s : timeline)
      if (s.utt == utt) {
        EXPECT_NEAR(s.end - s.start, 1.0, 1e-9);
        last_end = s.end;
      }
    EXPECT_NEAR(last_end, static_cast<double>(rec.samples) / kRate, 1e-6) << utt;
  }
}

// A model trained for one short epoch: enough for checks that compare scores with scores.
Model QuickModel(const std::string& dir) { return Train(dir, 1); }

// A 7.3-second recording of the tiny corpus' train utterances, as FLAC, raw PCM and WAV.
struct StreamInput {
  std::string flac, raw, wav;
  std::vector<float> samples;
};
StreamInput MakeStreamInput(const std::string& dir) {
  StreamInput in;
  for (const auto& u : TrainProtocol()) {
    const auto x = Load(u.utt);
    in.samples.insert(in.samples.end(), x.begin(), x.end());
    if (in.samples.size() >= 116800) break;
  }
  in.samples.resize(116800);  // 7.3 s: not a multiple of the hop
  in.flac = dir + "/long.flac";
  in.wav = dir + "/long.wav";
  in.raw = dir + "/long.raw";
  antispoof::audio::WriteAudio(in.flac, in.samples, kRate);
  antispoof::audio::WriteAudio(in.wav, in.samples, kRate);
  std::string bytes;
  for (float v : in.samples) {
    const auto s = static_cast<int16_t>(std::lround(v * 32768.0f));
    bytes += static_cast<char>(s & 0xFF);
    bytes += static_cast<char>((s >> 8) & 0xFF);
  }
  std::ofstream(in.raw, std::ios::binary) << bytes;
  return in;
}

// START END SCORE lines.
std::vector<Segment> ReadStreamLines(const std::string& text) {
  std::istringstream in(text);
  std::vector<Segment> out;
  Segment s;
  while (in >> s.start >> s.end >> s.score) out.push_back(s);
  return out;
}

TEST(Streaming, StdinGivesTheWindowModesScoresAsRawPcmWavAndThroughAPipe) {
  const std::string dir = antispoof::testing::TempDir();
  const Model model = QuickModel(dir);
  const StreamInput in = MakeStreamInput(dir);
  const std::string segments = dir + "/timeline.txt";
  auto file = RunAntispoof("score " + model.Flags() + " --window 1 --hop 0.5 --segments '" + segments + "' '" +
                           in.flac + "'");
  ASSERT_EQ(file.exit_code, 0) << file.err;
  const auto expected = ReadSegments(segments);
  ASSERT_EQ(expected.size(), 14u);  // 0, 0.5, ..., 6 (13 windows), then 6.3-7.3
  const std::string bin = "'" + antispoof::testing::BinaryPath() + "' score " + model.Flags() + " --stream --window 1 --hop 0.5";
  for (const std::string& command : {bin + " < '" + in.raw + "'", bin + " < '" + in.wav + "'",
                                     "cat '" + in.raw + "' | " + bin}) {
    auto r = antispoof::testing::RunShell(command);
    ASSERT_EQ(r.exit_code, 0) << command << "\n" << r.err;
    const auto lines = ReadStreamLines(r.out);
    ASSERT_EQ(lines.size(), expected.size()) << command << "\n" << r.out;
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_NEAR(lines[i].start, expected[i].start, 1e-9) << command << " " << i;
      EXPECT_NEAR(lines[i].end, expected[i].end, 1e-9) << command << " " << i;
      EXPECT_NEAR(lines[i].score, expected[i].score, 1e-5) << command << " " << i;
    }
    EXPECT_THAT(r.err, HasSubstr("stream: 14 windows over 7.3 s of audio"));
    EXPECT_THAT(r.err, HasSubstr("median "));
    EXPECT_THAT(r.err, HasSubstr(" ms, p99 "));
  }
  // A stream shorter than one window: one tiled window, as the reference rule scores the file.
  const std::string shorter = dir + "/short.raw";
  std::ofstream(shorter, std::ios::binary) << Slurp(in.raw).substr(0, 2 * 9000);
  std::vector<float> first(in.samples.begin(), in.samples.begin() + 9000);
  antispoof::audio::WriteAudio(dir + "/short.wav", first, kRate);
  auto r = antispoof::testing::RunShell(bin + " < '" + shorter + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto reference = RunAntispoof("score " + model.Flags() + " '" + dir + "/short.wav'");
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const auto lines = ReadStreamLines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  EXPECT_NEAR(lines[0].end, 9000.0 / kRate, 1e-9);
  EXPECT_NEAR(lines[0].score, ReadScores(reference.out).at("short"), 1e-5);
}

TEST(Streaming, BadStreamsAreClearErrors) {
  const std::string dir = antispoof::testing::TempDir();
  const Model model = QuickModel(dir);
  const StreamInput in = MakeStreamInput(dir);
  const std::string bin = "'" + antispoof::testing::BinaryPath() + "' score " + model.Flags() + " --stream";
  std::ofstream(dir + "/odd.raw", std::ios::binary) << Slurp(in.raw) << 'x';
  const std::string wav = Slurp(in.wav);
  std::ofstream(dir + "/cut.wav", std::ios::binary) << wav.substr(0, wav.size() - 101);
  antispoof::audio::WriteAudio(dir + "/8k.wav", std::vector<float>(8000, 0.1f), 8000);
  std::ofstream(dir + "/empty.raw", std::ios::binary) << "";
  const std::pair<std::string, std::string> cases[] = {
      {"odd.raw", "stdin: the stream ends inside a 16-bit sample (233601 bytes of audio"},
      {"cut.wav", "stdin: truncated WAV stream"},
      {"8k.wav", "stdin: the WAV header says 8000 Hz, 1 channel(s), 16-bit, PCM; the stream must be 16000 Hz"},
      {"empty.raw", "stdin: no audio"}};
  for (const auto& [file, message] : cases) {
    auto r = antispoof::testing::RunShell(bin + " < '" + dir + "/" + file + "'");
    EXPECT_EQ(r.exit_code, 1) << file;
    EXPECT_THAT(r.err, HasSubstr(message)) << file;
  }
  // The windows before the odd byte were printed: the error comes at the end of the stream.
  auto odd = antispoof::testing::RunShell(bin + " < '" + dir + "/odd.raw'");
  EXPECT_EQ(ReadStreamLines(odd.out).size(), 13u) << odd.out;
}

TEST(WholeRecordings, AFileOneWindowLongScoresAsWithoutWindows) {
  const std::string dir = antispoof::testing::TempDir();
  const Model model = QuickModel(dir);
  const StreamInput in = MakeStreamInput(dir);
  const std::string one = dir + "/one.wav";
  antispoof::audio::WriteAudio(one, std::vector<float>(in.samples.begin(), in.samples.begin() + 16000), kRate);
  auto plain = RunAntispoof("score " + model.Flags() + " '" + one + "'");
  auto windowed = RunAntispoof("score " + model.Flags() + " --window 1 --segments '" + dir + "/t.txt' '" + one + "'");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(windowed.exit_code, 0) << windowed.err;
  EXPECT_NEAR(ReadScores(plain.out).at("one"), ReadScores(windowed.out).at("one"), 1e-5);
  EXPECT_EQ(ReadSegments(dir + "/t.txt").size(), 1u);
  // Without --window the default window is the model's input length (here 1 s).
  auto default_window = RunAntispoof("score " + model.Flags() + " --aggregate max '" + one + "'");
  ASSERT_EQ(default_window.exit_code, 0) << default_window.err;
  EXPECT_NEAR(ReadScores(default_window.out).at("one"), ReadScores(plain.out).at("one"), 1e-5);
}

TEST(WholeRecordings, BadFlagsAreErrorsNamingTheFlag) {
  const std::string dir = antispoof::testing::TempDir();
  const std::string config = TinyConfig(dir, 1);
  const std::string flags = "score --config '" + config + "' --checkpoint '" + dir + "/absent.pth' x.wav ";
  const std::pair<std::string, std::string> cases[] = {
      {"--window 0", "--window: 0: must be a finite number of seconds > 0"},
      {"--window -2", "--window: -2: must be"},
      {"--window nan", "--window"},
      {"--window 1 --hop 0", "--hop: 0: must be"},
      {"--window 1 --hop 2", "--hop: 2 s is longer than the window (1 s)"},
      {"--hop 1.5", "--hop: 1.5 s is longer than the window (1 s, the model's input length"},
      {"--aggregate mode", "--aggregate: unknown aggregate 'mode' (known: mean|min|max|median)"},
      {"--window 0.01", "--window: 0.01 s (160 samples at 16000 Hz) is shorter than this model takes"},
      {"--batch-size 0", "--batch-size: must be at least 1"},
      {"--stream", "--stream reads stdin: give no files"}};
  for (const auto& [args, message] : cases) {
    auto r = RunAntispoof(flags + args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
}

}  // namespace
