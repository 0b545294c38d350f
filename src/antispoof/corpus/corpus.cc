#include "antispoof/corpus/corpus.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <atomic>
#include <cstring>
#include <thread>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/progress.h"
#include "antispoof/common/strings.h"
#include "antispoof/corpus/codec2_vocoders.h"
#include "antispoof/corpus/dsp.h"
#include "antispoof/corpus/python_generators.h"
#include "antispoof/corpus/shortcut.h"
#include "antispoof/corpus/sources.h"
#include "antispoof/corpus/spoofers.h"
#include "antispoof/corpus/tools.h"

namespace antispoof::corpus {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kRate = 16000;
// Bumped whenever generation changes, so cached items from older code are rebuilt.
constexpr const char* kGeneratorVersion = "corpus-v7";

const char* kPraatScript = R"(form Change gender
  sentence infile
  sentence outfile
  real formant_ratio
  real pitch_median
  real range_factor
  integer seed
endform
random_initializeWithSeedUnsafelyButPredictably: seed
Read from file: infile$
Change gender: 75, 600, formant_ratio, pitch_median, range_factor, 1.0
Save as WAV file: outfile$
)";

uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Hash(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string SplitDir(const std::string& split) { return "ASVspoof2019_LA_" + split; }
std::string ProtocolName(const std::string& split) {
  return "ASVspoof2019.LA.cm." + split + (split == "train" ? ".trn.txt" : ".trl.txt");
}

std::string SafeName(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return out;
}

std::string AsciiText(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 128 && (std::isalnum(c) || std::strchr(" .,;:?!'-", c))) out += static_cast<char>(c);
    else if (c < 128) out += ' ';
  }
  return Trim(out);
}

struct Planned {
  std::string split, utt, speaker_id, attack;  // attack "-" for bona fide
  const SourceItem* source = nullptr;
  json params;
  uint64_t seed = 0;
  std::string Key() const {
    return Format("%s|%s|%s|%s|%s|%llu", kGeneratorVersion, utt.c_str(), attack.c_str(),
                  source->item.c_str(), params.dump().c_str(), static_cast<unsigned long long>(seed));
  }
};

struct Result {
  double duration = 0;
  std::vector<double> features;
};

// fn(begin, end, batch) for [0, n) in batches of 48 files per ffmpeg call, `jobs` calls at a time.
void ForEachFfmpegBatch(size_t n, int jobs, const std::function<void(size_t, size_t, size_t)>& fn) {
  const size_t batch = 48;
  ParallelFor((n + batch - 1) / batch, jobs, [&](size_t b) { fn(b * batch, std::min(n, (b + 1) * batch), b); });
}

// The kept source utterances of each split.
using SourcePool = std::map<std::string, std::vector<const SourceItem*>>;

// The generator parameters of one spoofed utterance of attack `a` made from `source`, drawn from
// `rng` through `pick` and `u` (the split's distributions).
json GeneratorParams(const AttackInfo& a, const SourceItem& source, Rng& rng,
                     std::uniform_int_distribution<size_t>& pick,
                     std::uniform_real_distribution<double>& u) {
  json q = {{"generator", a.generator}, {"family", a.family}};
  auto either = [&](double lo, double hi) {  // away from 1: lo..hi or 1/hi..1/lo
    double v = lo + (hi - lo) * u(rng);
    return u(rng) < 0.5 ? v : 1 / v;
  };
  if (a.generator == "espeak-ng") {
    static const std::map<std::string, std::string> voices = {
        {"en", "en-us"}, {"es", "es"}, {"fr", "fr"}, {"it", "it"}, {"nl", "nl"}};
    static const char* variants[] = {"m1", "m2", "m3", "m4", "f1", "f2", "f3", "f4"};
    q["voice"] = voices.at(source.language) + "+" + variants[pick(rng) % 8];
    q["speed"] = 150 + static_cast<int>(u(rng) * 40);
    q["pitch"] = 35 + static_cast<int>(u(rng) * 30);
  } else if (a.generator == "flite") {
    static const char* voices[] = {"slt", "rms", "awb", "kal16"};
    q["voice"] = voices[pick(rng) % 4];
  } else if (a.generator == "festival-diphone") {
    q["voice"] = "voice_kal_diphone";
  } else if (a.generator == "festival-hts") {
    q["voice"] = "voice_cmu_us_slt_arctic_hts";
  } else if (a.generator == "griffin-lim") {
    q["iterations"] = 24;
  } else if (a.generator == "mel-inversion") {
    q["mels"] = 80;
    q["iterations"] = 24;
  } else if (a.generator == "lpc-vocoder") {
    q["order"] = 16 + static_cast<int>(u(rng) * 5);
  } else if (a.generator == "envelope-warp") {
    q["alpha"] = std::round(either(1.08, 1.18) * 1000) / 1000;
  } else if (a.generator == "praat-psola") {
    q["formant_ratio"] = std::round(either(1.06, 1.15) * 1000) / 1000;
    q["pitch_factor"] = std::round(either(1.12, 1.35) * 1000) / 1000;
    q["range"] = std::round((0.8 + 0.4 * u(rng)) * 1000) / 1000;
  } else if (a.generator == "sptk-mlsa") {
    q["order"] = 24;
    q["alpha"] = 0.42;
  } else if (a.generator == "lpcnet") {
    q["vq"] = 0;  // predictive VQ, 1733 bit/s (FreeDV 2020)
  } else if (a.generator == "lpcnet-conversion") {
    q["vq"] = 1;  // direct-split VQ
    q["shift"] = std::round(either(1.08, 1.2) * 1000) / 1000;  // pitch and formants, by resampling
  } else if (a.generator == "codec2") {
    static const int modes[] = {3200, 2400, 1600, 1300};
    q["mode"] = modes[pick(rng) % 4];
    q["fold_gain"] = std::round((0.2 + 0.2 * u(rng)) * 1000) / 1000;
  } else if (a.generator == "world") {
    q["f0_method"] = u(rng) < 0.5 ? "harvest" : "dio";
  } else if (a.generator == "world-conversion") {
    q["f0_method"] = u(rng) < 0.5 ? "harvest" : "dio";
    q["f0_ratio"] = std::round(either(1.12, 1.35) * 1000) / 1000;
    q["alpha"] = std::round(either(1.06, 1.15) * 1000) / 1000;
  } else if (a.generator == "piper") {
    q["voice"] = "en_US-joe-medium";
    q["length_scale"] = std::round((0.9 + 0.25 * u(rng)) * 1000) / 1000;
  }
  return q;
}

// The attacks that corpus_generators.py makes (in batches, before the others).
bool IsPythonGenerator(const std::string& g) {
  return g == "world" || g == "world-conversion" || g == "piper";
}

// The Asterisk sources arrive G.722-coded; every other file gets the same first coding before the
// channel, so that every file has passed G.722 twice (that one, then the common round trip) and
// the number of codings tells nothing.
bool Precoded(const Planned& p) { return p.attack == "-" && EndsWith(p.source->path, ".g722"); }

class Builder {
 public:
  explicit Builder(CorpusOptions o) : opt_(std::move(o)) {
    if (opt_.cache.empty()) opt_.cache = DefaultCacheDir();
    // Child processes run in other folders.
    opt_.out = fs::absolute(opt_.out).lexically_normal().string();
    opt_.cache = fs::absolute(opt_.cache).lexically_normal().string();
    la_ = opt_.out + "/LA";
    state_ = opt_.out + "/.corpus";
  }

  CorpusSummary Run();

 private:
  // The phases of Run, in order.
  void RequireTools();
  std::vector<SourceItem> FetchSources();
  SourcePool SelectSources(const std::vector<SourceItem>& sources,
                           const std::map<std::string, SplitSize>& sizes);
  std::vector<Planned> Plan(const SourcePool& pool,
                            const std::map<std::string, SplitSize>& sizes) const;
  std::vector<size_t> ReuseRecorded(const std::vector<Planned>& plan,
                                    std::vector<Result>& results) const;
  void GenerateMissing(const std::vector<Planned>& plan, const std::vector<size_t>& todo,
                       std::vector<Result>& results);
  double WriteProtocols(const std::vector<Planned>& plan,
                        const std::vector<Result>& results) const;
  bool WriteShortcutReport(const std::vector<Planned>& plan,
                           const std::vector<Result>& results) const;

  // Steps of the phases.
  std::vector<const SourceItem*> SplitCandidates(const std::string& split,
                                                 const std::vector<SourceItem>& sources) const;
  std::vector<const SourceItem*> SelectSplitSources(const std::string& split,
                                                    const std::vector<SourceItem>& sources,
                                                    const SplitSize& sz);
  std::vector<Planned> PlanSplit(const std::string& split,
                                 const std::vector<const SourceItem*>& kept, const SplitSize& sz,
                                 std::set<std::string>& used_ids) const;
  void RunPythonAttacks(const std::vector<Planned>& plan, const std::vector<size_t>& todo);
  void AddTiming(const Planned& p, double seconds);
  std::vector<Signal> GenerateContents(const std::vector<Planned>& plan,
                                       const std::vector<size_t>& todo, ProgressBar& bar);
  void PrecodeAndChannel(const std::vector<Planned>& plan, const std::vector<size_t>& todo,
                         std::vector<Signal>& contents);
  void CodecAndStore(const std::vector<Planned>& plan, const std::vector<size_t>& todo,
                     std::vector<Result>& results);

  Signal Decoded(const SourceItem& s);
  std::string DecodedPath(const SourceItem& s) {
    return opt_.cache + "/decoded/" + s.speaker + "/" + SafeName(s.item) + ".wav";
  }
  void DecodeG722(const std::vector<const SourceItem*>& items);
  std::vector<std::pair<int64_t, int64_t>> SourceCuts(const SourceItem& s, const Signal& x);
  Signal Generate(const Planned& p, const std::string& work);
  Signal Tts(const Planned& p, const std::string& work);
  Signal CopySynthesisOfSpan(const Planned& p, const Signal& x,
                             const std::vector<std::pair<int64_t, int64_t>>& cuts, const std::string& work);
  Signal CopySynthesis(const Planned& p, const Signal& x, const std::string& work);
  Signal PraatPsola(const Planned& p, const Signal& x, const std::string& work);
  Signal SptkMlsa(const Planned& p, const Signal& x, Rng& rng, const std::string& work);
  Signal Channel(const Signal& content, Rng& rng);
  Signal ReadWav(const std::string& path);

  std::string FlacPath(const Planned& p) const {
    return la_ + "/" + SplitDir(p.split) + "/flac/" + p.utt + ".flac";
  }
  std::string RecordPath(const Planned& p) const { return state_ + "/items/" + p.utt + ".json"; }
  std::string WorkDir(const Planned& p) const { return state_ + "/work/" + p.utt; }
  std::string PythonOutPath(const Planned& p) const { return state_ + "/work/python/out/" + p.utt + ".wav"; }

  CorpusOptions opt_;
  std::string la_, state_;
  std::string python_;  // interpreter of the Python attacks (RequireTools)
  std::mutex timing_mu_;
  std::map<std::string, AttackTiming> timing_;  // by attack ("-": bona fide)
};

Signal Builder::ReadWav(const std::string& path) {
  audio::DecodeOptions d;
  d.mixdown = true;
  d.resample = true;
  d.sample_rate = kRate;
  auto x = audio::LoadAudio(path, d);
  return Signal(x.begin(), x.end());
}

void Builder::DecodeG722(const std::vector<const SourceItem*>& items) {
  std::vector<const SourceItem*> todo;
  for (auto* s : items)
    if (EndsWith(s->path, ".g722") && !FileExists(DecodedPath(*s))) todo.push_back(s);
  ForEachFfmpegBatch(todo.size(), opt_.jobs, [&](size_t begin, size_t end, size_t b) {
    std::string cmd = "ffmpeg -nostdin -hide_banner -loglevel error -threads 1";
    for (size_t i = begin; i < end; ++i) cmd += " -f g722 -i " + ShellQuote(todo[i]->path);
    std::vector<std::pair<std::string, std::string>> moves;
    for (size_t i = begin; i < end; ++i) {
      std::string path = DecodedPath(*todo[i]);
      MakeDirs(fs::path(path).parent_path().string());
      std::string tmp = Format("%s.tmp%d.wav", path.c_str(), static_cast<int>(getpid()));
      cmd += Format(" -map %zu:a -ac 1 -c:a pcm_s16le -y ", i - begin) + ShellQuote(tmp);
      moves.push_back({tmp, path});
    }
    std::string work = state_ + Format("/work/decode-%zu", b);
    MakeDirs(work);
    RunOrFail("ffmpeg G.722 decoding of the Asterisk sources", cmd, work);
    for (auto& [from, to] : moves) fs::rename(from, to);
    RemoveTree(work);
  });
}

Signal Builder::Decoded(const SourceItem& s) {
  std::string dir = opt_.cache + "/decoded/" + s.speaker;
  std::string path = dir + "/" + SafeName(s.item) + ".wav";
  if (!FileExists(path)) {
    MakeDirs(dir);
    if (EndsWith(s.path, ".g722")) {
      std::string tmp = Format("%s.tmp%d.%zx.wav", path.c_str(), static_cast<int>(getpid()),
                               std::hash<std::thread::id>()(std::this_thread::get_id()));
      std::string work = Format("%s/work/dec-%zx", state_.c_str(), std::hash<std::string>()(tmp));
      MakeDirs(work);
      RunOrFail("decoding " + s.path,
                "ffmpeg -nostdin -hide_banner -loglevel error -threads 1 -f g722 -i " +
                    ShellQuote(s.path) + " -ac 1 -c:a pcm_s16le -y " + ShellQuote(tmp),
                work);
      RemoveTree(work);
      auto x = ReadWav(tmp);
      std::remove(tmp.c_str());
      audio::WriteAudio(path, std::vector<float>(x.begin(), x.end()), kRate, true);
    } else {
      auto x = ReadWav(s.path);
      audio::WriteAudio(path, std::vector<float>(x.begin(), x.end()), kRate, true);
    }
  }
  return ReadWav(path);
}

std::vector<std::pair<int64_t, int64_t>> Builder::SourceCuts(const SourceItem& s, const Signal& x) {
  Rng rng(Mix(opt_.seed, Hash("cuts|" + s.item)));
  return SpeechCuts(x, kRate, rng);
}

Signal Builder::Tts(const Planned& p, const std::string& work) {
  const std::string& g = p.params["generator"];
  const SourceItem& s = *p.source;
  std::string wav = work + "/tts.wav";
  if (g == "espeak-ng") {
    WriteFileAtomic(work + "/text.txt", s.text + "\n");
    std::string voice = std::string(p.params["voice"]);
    RunOrFail("espeak-ng", Format("espeak-ng -v %s -s %d -p %d -f text.txt -w tts.wav", voice.c_str(),
                                  int(p.params["speed"]), int(p.params["pitch"])),
              work);
  } else if (g == "flite") {
    WriteFileAtomic(work + "/text.txt", AsciiText(s.text_en) + "\n");
    RunOrFail("flite", "flite -voice " + std::string(p.params["voice"]) + " -f text.txt -o tts.wav", work);
  } else if (g == "piper") {
    return ReadWav(PythonOutPath(p));
  } else {
    WriteFileAtomic(work + "/text.txt", AsciiText(s.text_en) + "\n");
    RunOrFail("festival (text2wave)",
              "text2wave -eval '(" + std::string(p.params["voice"]) + ")' -o tts.wav text.txt", work);
  }
  return ReadWav(wav);
}

Signal Builder::Generate(const Planned& p, const std::string& work) {
  const SourceItem& s = *p.source;
  Signal x = Decoded(s);
  auto cuts = SourceCuts(s, x);
  Signal bona = ApplyCuts(x, cuts);
  if (p.attack == "-") return bona;
  const std::string& g = p.params["generator"];
  Signal y;
  if (p.params["family"] == "tts") {
    Signal t = Tts(p, work);
    Rng cut_rng(p.seed);
    Signal content = ApplyCuts(t, SpeechCuts(t, kRate, cut_rng));
    y = StretchTo(content, bona.size(), kRate);
  } else {
    y = ApplyCuts(CopySynthesisOfSpan(p, x, cuts, work), cuts);
  }
  for (float v : y)
    if (!std::isfinite(v)) Fail("corpus: generator " + g + " produced a non-finite sample for " + p.utt + " from " + s.item + " (work folder " + work + ")");
  // Long-term spectrum matched to the bona fide utterance it stands in for.
  return MatchSpectrum(y, LongTermSpectrum(bona, 64), 15);
}

// CopySynthesis of x, x.size() samples. The LPCNet attacks (0.3 x real time) resynthesise only the
// span of the cuts plus 100 ms on each side (zeros elsewhere, which the cuts drop); the others the
// whole source.
Signal Builder::CopySynthesisOfSpan(const Planned& p, const Signal& x,
                                    const std::vector<std::pair<int64_t, int64_t>>& cuts,
                                    const std::string& work) {
  const std::string& g = p.params["generator"];
  if ((g != "lpcnet" && g != "lpcnet-conversion") || cuts.empty()) {
    Signal v = CopySynthesis(p, x, work);
    v.resize(x.size(), 0.0f);
    return v;
  }
  const int64_t n = static_cast<int64_t>(x.size());
  const int64_t begin = std::clamp<int64_t>(cuts.front().first - kRate / 10, 0, n);
  const int64_t end = std::clamp<int64_t>(cuts.back().second + kRate / 10, begin, n);
  Signal v = CopySynthesis(p, Signal(x.begin() + begin, x.begin() + end), work);
  Signal out(x.size(), 0.0f);
  std::copy(v.begin(), v.begin() + std::min<int64_t>(end - begin, static_cast<int64_t>(v.size())),
            out.begin() + begin);
  return out;
}

// The vocoder and voice-conversion attacks: the whole source x resynthesised by p's generator.
Signal Builder::CopySynthesis(const Planned& p, const Signal& x, const std::string& work) {
  Rng rng(p.seed ^ 0x5eed);
  const std::string& g = p.params["generator"];
  if (g == "griffin-lim") return GriffinLim(x, 512, 128, p.params["iterations"], rng);
  if (g == "mel-inversion")
    return MelInversion(x, kRate, p.params["mels"], p.params["iterations"], rng);
  if (g == "lpc-vocoder") return LpcVocoder(x, kRate, p.params["order"], rng);
  if (g == "envelope-warp") return EnvelopeWarp(x, kRate, p.params["alpha"]);
  if (g == "praat-psola") return PraatPsola(p, x, work);
  if (g == "sptk-mlsa") return SptkMlsa(p, x, rng, work);
  if (g == "lpcnet") return LpcnetCopySynthesis(x, p.params["vq"], p.seed);
  if (g == "lpcnet-conversion") {
    // Resampled by `shift` (pitch and formants up or down), stretched back to x's length.
    double shift = p.params["shift"];
    auto r = audio::Resample(std::vector<float>(x.begin(), x.end()), kRate * shift, kRate);
    Signal shifted = StretchTo(Signal(r.begin(), r.end()), static_cast<int64_t>(x.size()), kRate);
    return LpcnetCopySynthesis(shifted, p.params["vq"], p.seed);
  }
  if (g == "codec2") return Codec2Vocoder(x, p.params["mode"], p.params["fold_gain"], p.seed);
  if (IsPythonGenerator(g)) return ReadWav(PythonOutPath(p));
  Fail("corpus: unknown generator " + g);
}

// Praat's Change gender towards p's formant ratio and a pitch median relative to x's own.
Signal Builder::PraatPsola(const Planned& p, const Signal& x, const std::string& work) {
  auto f0 = TrackPitch(x, kRate, 160);
  std::vector<double> voiced;
  for (double f : f0)
    if (f > 0) voiced.push_back(f);
  double median = 150;
  if (!voiced.empty()) {
    std::nth_element(voiced.begin(), voiced.begin() + voiced.size() / 2, voiced.end());
    median = voiced[voiced.size() / 2];
  }
  WriteFileAtomic(work + "/change_gender.praat", kPraatScript);
  audio::WriteAudio(work + "/in.wav", std::vector<float>(x.begin(), x.end()), kRate, true);
  // Change gender draws random numbers: seeded for determinism.
  RunOrFail("praat", Format("praat --run change_gender.praat in.wav out.wav %.4f %.2f %.3f %d",
                            double(p.params["formant_ratio"]),
                            median * double(p.params["pitch_factor"]), double(p.params["range"]),
                            static_cast<int>(p.seed % 1000000007ULL)),
            work);
  return ReadWav(work + "/out.wav");
}

// SPTK mel-cepstral analysis and MLSA filtering, excited by a pulse train at the tracked pitch.
Signal Builder::SptkMlsa(const Planned& p, const Signal& x, Rng& rng, const std::string& work) {
  {
    std::ofstream f(work + "/in.f32", std::ios::binary);
    // A noise floor (-61 dBFS) bounds the spectral range, which keeps the MLSA filter stable.
    std::normal_distribution<float> dither(0.0f, 30.0f);
    for (float s : x) {
      float v2 = s * 32768.0f + dither(rng);
      f.write(reinterpret_cast<const char*>(&v2), sizeof v2);
    }
  }
  int m = p.params["order"];
  double a = p.params["alpha"];
  RunOrFail("SPTK (frame/window/mcep/pitch/excite/mlsadf)",
            Format("frame -l 400 -p 80 in.f32 | window -l 400 -L 512 | mcep -l 512 -m %d -a %.3f "
                   "-e 1e-08 > mc && pitch -a 1 -s 16 -p 80 -L 60 -H 400 -o 0 in.f32 > pit && "
                   "excite -p 80 pit | mlsadf -m %d -a %.3f -p 80 -P 5 mc > out.f32",
                   m, a, m, a),
            work);
  std::string raw = ReadFile(work + "/out.f32");
  Signal v(raw.size() / sizeof(float));
  std::memcpy(v.data(), raw.data(), v.size() * sizeof(float));
  for (auto& s2 : v) s2 /= 32768.0f;
  return v;
}

Signal Builder::Channel(const Signal& content, Rng& rng) {
  std::uniform_real_distribution<double> margin(0.08, 0.45), level(-32, -22), noise_db(-72, -62);
  int64_t lead = std::llround(margin(rng) * kRate), trail = std::llround(margin(rng) * kRate);
  Signal x(lead + content.size() + trail, 0.0f);
  std::copy(content.begin(), content.end(), x.begin() + lead);
  // Level first (on speech), then fresh noise at its own random level, then the common band.
  std::uniform_real_distribution<double> crest(10, 12);
  // Peaks limited to a random height above the file's RMS (twice, as limiting lowers the RMS), so
  // the crest factor tells nothing; then the level.
  double crest_db = crest(rng);
  for (int pass = 0; pass < 2; ++pass) {
    double sq = 0;
    for (float v : x) sq += static_cast<double>(v) * v;
    x = Limit(x, kRate, std::sqrt(sq / std::max<size_t>(1, x.size())) * std::pow(10.0, crest_db / 20));
  }
  double gain = std::pow(10.0, (level(rng) - ActiveLevelDb(x, kRate)) / 20);
  for (auto& v : x) v = static_cast<float>(v * gain);
  std::normal_distribution<double> noise(0, std::pow(10.0, noise_db(rng) / 20));
  for (auto& v : x) v = static_cast<float>(v + noise(rng));
  x = BandLimit(x, kRate, 70, 7000);
  double peak = 0;
  for (float v : x) peak = std::max<double>(peak, std::fabs(v));
  if (peak > 0.9)
    for (auto& v : x) v = static_cast<float>(v * 0.9 / peak);
  return x;
}

// The common G.722 round trip (the bona fide Asterisk sources are G.722 already), for many files
// per ffmpeg call: each output stream has its own encoder, so a file's result does not depend on
// the batch it is in.
void CodecRoundTrip(const std::vector<std::string>& dirs, const std::string& work, const std::string& in,
                    const std::string& out) {
  std::string enc = "ffmpeg -nostdin -hide_banner -loglevel error -threads 1";
  std::string dec = enc;
  for (const auto& d : dirs) enc += " -i " + ShellQuote(d + "/" + in);
  for (const auto& d : dirs) dec += " -f g722 -i " + ShellQuote(d + "/mid.g722");
  for (size_t i = 0; i < dirs.size(); ++i) {
    enc += Format(" -map %zu:a -c:a g722 -f g722 -y ", i) + ShellQuote(dirs[i] + "/mid.g722");
    dec += Format(" -map %zu:a -ac 1 -c:a pcm_s16le -y ", i) + ShellQuote(dirs[i] + "/" + out);
  }
  RunOrFail("ffmpeg G.722 encoding", enc, work);
  RunOrFail("ffmpeg G.722 decoding", dec, work);
}

// CodecRoundTrip over `dirs`, in ffmpeg batches.
void BatchedCodecRoundTrip(const std::vector<std::string>& dirs, const std::string& state, const std::string& tag,
                           int jobs, const std::string& in, const std::string& out) {
  ForEachFfmpegBatch(dirs.size(), jobs, [&](size_t begin, size_t end, size_t b) {
    std::vector<std::string> part(dirs.begin() + begin, dirs.begin() + end);
    std::string work = state + Format("/work/%s-%zu", tag.c_str(), b);
    MakeDirs(work);
    CodecRoundTrip(part, work, in, out);
  });
}

CorpusSummary Builder::Run() {
  auto t0 = std::chrono::steady_clock::now();
  const std::map<std::string, SplitSize> sizes = SizesFor(opt_.size);
  RequireTools();
  const std::vector<SourceItem> sources = FetchSources();
  const SourcePool pool = SelectSources(sources, sizes);
  const std::vector<Planned> plan = Plan(pool, sizes);
  std::vector<Result> results(plan.size());
  const std::vector<size_t> todo = ReuseRecorded(plan, results);
  GenerateMissing(plan, todo, results);
  const double total_seconds = WriteProtocols(plan, results);

  CorpusSummary summary;
  summary.shortcuts_ok = WriteShortcutReport(plan, results);
  summary.files = plan.size();
  summary.reused = static_cast<int>(plan.size() - todo.size());
  summary.audio_hours = total_seconds / 3600;
  summary.report_path = la_ + "/shortcut_report.txt";
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (size_t i : todo) timing_[plan[i].attack].utterances++;
  for (auto& [attack, t] : timing_) summary.timing.push_back(t);
  return summary;
}

// Error naming the Debian package of the first missing program or festival voice.
void Builder::RequireTools() {
  RequireTool("ffmpeg", "ffmpeg");
  RequireTool("espeak-ng", "espeak-ng");
  RequireTool("flite", "flite");
  RequireTool("text2wave", "festival");
  RequireTool("praat", "praat");
  RequireTool("mcep", "sptk");
  RequireTool("gzip", "gzip");
  python_ = FindCorpusPython();
  RequirePythonPackages(python_);
  if (!FileExists("/usr/share/festival/voices/english/kal_diphone/festvox/kal_diphone.scm"))
    Fail("corpus: the festival voice kal_diphone is missing; install the Debian package "
         "'festvox-kallpc16k' (sudo apt-get install festvox-kallpc16k, or run scripts/setup.sh)");
  if (!FileExists("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts/festvox/cmu_us_slt_arctic_hts.scm"))
    Fail("corpus: the festival voice cmu_us_slt_arctic_hts is missing; install the Debian package "
         "'festvox-us-slt-hts' (sudo apt-get install festvox-us-slt-hts, or run scripts/setup.sh)");
}

// Creates the cache and state folders, fetches the source packages (once) and lists their items.
std::vector<SourceItem> Builder::FetchSources() {
  MakeDirs(opt_.cache);
  MakeDirs(state_ + "/items");
  for (const auto& pkg : SourcePackages()) FetchPackage(opt_.cache, pkg);
  return ListSources(opt_.cache);
}

// The kept sources of every split (SelectSplitSources); pointers into `sources`.
SourcePool Builder::SelectSources(const std::vector<SourceItem>& sources,
                                  const std::map<std::string, SplitSize>& sizes) {
  SourcePool pool;
  for (const std::string split : {"train", "dev", "eval"})
    pool[split] = SelectSplitSources(split, sources, sizes.at(split));
  return pool;
}

// The split's sources of a known voice and a plausible length, in a seeded order.
std::vector<const SourceItem*> Builder::SplitCandidates(
    const std::string& split, const std::vector<SourceItem>& sources) const {
  std::vector<const SourceItem*> cand;
  for (const auto& s : sources) {
    bool known = false;
    for (const auto& sp : Speakers()) known = known || sp.name == s.speaker;
    if (known && SplitOfSource(s.item, opt_.seed) == split && s.est_seconds > 1.0 &&
        s.est_seconds < 7.5)
      cand.push_back(&s);
  }
  std::sort(cand.begin(), cand.end(), [](auto* a, auto* b) { return a->item < b->item; });
  Rng rng(Mix(opt_.seed, Hash("pool|" + split)));
  std::shuffle(cand.begin(), cand.end(), rng);
  return cand;
}

// The split's candidates, decoded (cached) and kept in order when the speech lasts 0.9-5 s, up to
// twice the bona fide count. Error when fewer than the bona fide count are usable.
std::vector<const SourceItem*> Builder::SelectSplitSources(const std::string& split,
                                                           const std::vector<SourceItem>& sources,
                                                           const SplitSize& sz) {
  const std::vector<const SourceItem*> cand = SplitCandidates(split, sources);
  size_t want = static_cast<size_t>(sz.bonafide) * 2;
  size_t next = 0;
  std::vector<const SourceItem*> kept;
  while (kept.size() < want && next < cand.size()) {
    size_t chunk = std::min(cand.size() - next, (want - kept.size()) * 5 / 4 + 4);
    std::vector<int> ok(chunk, 0);
    DecodeG722(std::vector<const SourceItem*>(cand.begin() + next, cand.begin() + next + chunk));
    ParallelFor(chunk, opt_.jobs, [&](size_t i) {
      const SourceItem& s = *cand[next + i];
      Signal x = Decoded(s);
      int64_t len = 0;
      for (auto& c : SourceCuts(s, x)) len += c.second - c.first;
      ok[i] = len >= 0.9 * kRate && len <= 5.0 * kRate;
    });
    for (size_t i = 0; i < chunk && kept.size() < want; ++i)
      if (ok[i]) kept.push_back(cand[next + i]);
    next += chunk;
  }
  if (kept.size() < static_cast<size_t>(sz.bonafide))
    Fail("corpus: too few usable source utterances for the " + split + " split");
  return kept;
}

// The plan: every utterance with its source, attack and generator parameters, split by split.
std::vector<Planned> Builder::Plan(const SourcePool& pool,
                                   const std::map<std::string, SplitSize>& sizes) const {
  std::vector<Planned> plan;
  std::set<std::string> used_ids;
  for (const std::string split : {"train", "dev", "eval"}) {
    std::vector<Planned> items = PlanSplit(split, pool.at(split), sizes.at(split), used_ids);
    plan.insert(plan.end(), items.begin(), items.end());
  }
  return plan;
}

// The split's bona fide and spoofed utterances in a seeded order, each with a fresh utterance id
// (not in `used_ids`, which receives it) and its own seed.
std::vector<Planned> Builder::PlanSplit(const std::string& split,
                                        const std::vector<const SourceItem*>& kept,
                                        const SplitSize& sz, std::set<std::string>& used_ids) const {
  Rng rng(Mix(opt_.seed, Hash("plan|" + split)));
  std::vector<Planned> items;
  for (int i = 0; i < sz.bonafide; ++i) {
    Planned p;
    p.attack = "-";
    p.source = kept[i];
    p.params = {{"generator", "bonafide"}, {"family", "bonafide"}};
    items.push_back(p);
  }
  std::uniform_int_distribution<size_t> pick(0, kept.size() - 1);
  std::uniform_real_distribution<double> u(0, 1);
  for (const auto& a : Attacks()) {
    if (std::find(a.splits.begin(), a.splits.end(), split) == a.splits.end()) continue;
    for (int k = 0; k < sz.per_attack; ++k) {
      Planned p;
      p.attack = a.id;
      p.source = kept[pick(rng)];
      p.params = GeneratorParams(a, *p.source, rng, pick, u);
      items.push_back(p);
    }
  }
  std::shuffle(items.begin(), items.end(), rng);
  const char letter = split == "train" ? 'T' : split == "dev" ? 'D' : 'E';
  std::uniform_int_distribution<int> id(1000000, 9999999);
  for (auto& p : items) {
    p.split = split;
    for (const auto& sp : Speakers())
      if (sp.name == p.source->speaker) p.speaker_id = sp.id;
    std::string utt;
    do utt = Format("LA_%c_%d", letter, id(rng));
    while (!used_ids.insert(utt).second);
    p.utt = utt;
    p.seed = Mix(opt_.seed, Hash(utt));
  }
  return items;
}

// An utterance whose audio and record match the plan is reused: its result is read from the
// record. Returns the indices of the others, in plan order.
std::vector<size_t> Builder::ReuseRecorded(const std::vector<Planned>& plan,
                                           std::vector<Result>& results) const {
  std::vector<size_t> todo;
  for (size_t i = 0; i < plan.size(); ++i) {
    const Planned& p = plan[i];
    std::string flac = FlacPath(p);
    std::string record = RecordPath(p);
    bool ok = false;
    if (FileExists(flac) && FileExists(record)) {
      try {
        json r = json::parse(ReadFile(record));
        if (r.value("key", "") == p.Key()) {
          results[i].duration = r["duration"];
          results[i].features = r["features"].get<std::vector<double>>();
          ok = true;
        }
      } catch (const std::exception&) {
      }
    }
    if (!ok) todo.push_back(i);
  }
  return todo;
}

// Generation of the plan's utterances at `todo`, in parallel: content, first G.722 coding,
// channel, common G.722 round trip; each ends as its FLAC file, its record and its `results`.
void Builder::GenerateMissing(const std::vector<Planned>& plan, const std::vector<size_t>& todo,
                              std::vector<Result>& results) {
  for (const std::string split : {"train", "dev", "eval"})
    MakeDirs(la_ + "/" + SplitDir(split) + "/flac");
  RunPythonAttacks(plan, todo);
  ProgressBar bar("corpus", todo.size(), "utt");
  std::vector<Signal> contents = GenerateContents(plan, todo, bar);
  PrecodeAndChannel(plan, todo, contents);
  CodecAndStore(plan, todo, results);
  bar.Finish();
  RemoveTree(state_ + "/work");
}

// contents[k]: the content of utterance todo[k] (Generate), also written to content.wav in its
// work folder unless Precoded.
std::vector<Signal> Builder::GenerateContents(const std::vector<Planned>& plan,
                                              const std::vector<size_t>& todo, ProgressBar& bar) {
  std::mutex progress_mu;
  std::vector<Signal> contents(todo.size());
  ParallelFor(todo.size(), opt_.jobs, [&](size_t k) {
    const Planned& p = plan[todo[k]];
    std::string work = WorkDir(p);
    RemoveTree(work);
    MakeDirs(work);
    auto g0 = std::chrono::steady_clock::now();
    contents[k] = Generate(p, work);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
    AddTiming(p, seconds);
    if (std::getenv("ANTISPOOF_CORPUS_TIMING"))
      std::fprintf(stderr, "timing %s %s %.3f s\n", p.utt.c_str(), std::string(p.params["generator"]).c_str(),
                   seconds);
    if (!Precoded(p))
      audio::WriteAudio(work + "/content.wav", std::vector<float>(contents[k].begin(), contents[k].end()), kRate, true);
    std::lock_guard<std::mutex> lock(progress_mu);
    bar.Add();
  });
  return contents;
}

void Builder::AddTiming(const Planned& p, double seconds) {
  std::lock_guard<std::mutex> lock(timing_mu_);
  AttackTiming& t = timing_[p.attack];
  t.attack = p.attack;
  t.generator = p.params["generator"];
  t.seconds += seconds;
}

// The WORLD and Piper utterances among `todo`, made by corpus_generators.py in `jobs` batches into
// PythonOutPath; their seconds go to the timing.
void Builder::RunPythonAttacks(const std::vector<Planned>& plan, const std::vector<size_t>& todo) {
  std::vector<std::string> lines;
  std::map<std::string, const Planned*> by_utt;
  for (size_t i : todo) {
    const Planned& p = plan[i];
    const std::string g = p.params["generator"];
    if (!IsPythonGenerator(g)) continue;
    json job = p.params;
    job["utt"] = p.utt;
    job["seed"] = p.seed;
    job["out"] = PythonOutPath(p);
    if (g == "piper") {
      job["text"] = AsciiText(p.source->text_en);
    } else {
      if (!FileExists(DecodedPath(*p.source))) Decoded(*p.source);
      job["in"] = DecodedPath(*p.source);
    }
    lines.push_back(job.dump());
    by_utt[p.utt] = &p;
  }
  if (lines.empty()) return;
  std::fprintf(stderr, "corpus: %zu WORLD and Piper utterances in %d Python process(es)\n", lines.size(),
               std::max(1, std::min<int>(opt_.jobs, static_cast<int>(lines.size()))));
  MakeDirs(state_ + "/work/python/out");
  for (const auto& [utt, seconds] : RunPythonJobs(python_, lines, state_ + "/work/python", opt_.jobs))
    if (by_utt.count(utt)) AddTiming(*by_utt.at(utt), seconds);
}

// The first G.722 coding of the contents not Precoded, then the channel; pre.wav in each work
// folder. Consumes `contents`.
void Builder::PrecodeAndChannel(const std::vector<Planned>& plan, const std::vector<size_t>& todo,
                                std::vector<Signal>& contents) {
  std::vector<std::string> to_code;
  for (size_t k = 0; k < todo.size(); ++k)
    if (!Precoded(plan[todo[k]])) to_code.push_back(WorkDir(plan[todo[k]]));
  BatchedCodecRoundTrip(to_code, state_, "precode", opt_.jobs, "content.wav", "content_coded.wav");
  ParallelFor(todo.size(), opt_.jobs, [&](size_t k) {
    const Planned& p = plan[todo[k]];
    std::string work = WorkDir(p);
    Signal content = std::move(contents[k]);
    if (!Precoded(p)) {
      size_t n = content.size();
      content = ReadWav(work + "/content_coded.wav");
      content.resize(n, 0.0f);
    }
    Rng rng(p.seed);
    Signal x = Channel(content, rng);
    audio::WriteAudio(work + "/pre.wav", std::vector<float>(x.begin(), x.end()), kRate, true);
  });
}

// The common G.722 round trip of every pre.wav, then the FLAC file, the record and `results`
// of each utterance; its work folder is removed.
void Builder::CodecAndStore(const std::vector<Planned>& plan, const std::vector<size_t>& todo,
                            std::vector<Result>& results) {
  std::vector<std::string> dirs;
  for (size_t k = 0; k < todo.size(); ++k) dirs.push_back(WorkDir(plan[todo[k]]));
  BatchedCodecRoundTrip(dirs, state_, "codec", opt_.jobs, "pre.wav", "post.wav");
  ParallelFor(todo.size(), opt_.jobs, [&](size_t k) {
    size_t i = todo[k];
    const Planned& p = plan[i];
    std::string work = WorkDir(p);
    size_t n = audio::ProbeAudio(work + "/pre.wav").frames;
    Signal y = ReadWav(work + "/post.wav");
    y.resize(n, 0.0f);
    // The codec leaves a content-dependent offset: removed, so that DC tells nothing.
    double mean = 0;
    for (float v : y) mean += v;
    mean /= std::max<size_t>(1, y.size());
    for (auto& v : y) v = static_cast<float>(v - mean);
    for (auto& v : y) v = std::clamp(std::round(v * 32768.0f), -32768.0f, 32767.0f) / 32768.0f;
    audio::WriteAudio(FlacPath(p), std::vector<float>(y.begin(), y.end()), kRate);
    results[i].duration = static_cast<double>(y.size()) / kRate;
    results[i].features = Features(y, kRate);
    json r = {{"key", p.Key()}, {"duration", results[i].duration}, {"features", results[i].features}};
    WriteFileAtomic(RecordPath(p), r.dump() + "\n");
    RemoveTree(work);
  });
}

// The protocols and corpus_metadata.tsv; returns the total audio duration in seconds.
double Builder::WriteProtocols(const std::vector<Planned>& plan,
                               const std::vector<Result>& results) const {
  MakeDirs(la_ + "/ASVspoof2019_LA_cm_protocols");
  std::map<std::string, std::string> protocols;
  std::string meta =
      "utterance\tsplit\tspeaker\tvoice\tlanguage\tsource_item\tattack\tgenerator\tparameters\t"
      "duration\ttext\n";
  double total_seconds = 0;
  for (size_t i = 0; i < plan.size(); ++i) {
    const Planned& p = plan[i];
    protocols[p.split] += ProtocolLine(p.speaker_id, p.utt, p.attack) + "\n";
    std::string text = p.params["family"] == "tts" && p.params["generator"] != "espeak-ng"
                           ? p.source->text_en
                           : p.source->text;
    for (auto& c : text)
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    meta += Format("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.4f\t%s\n", p.utt.c_str(), p.split.c_str(),
                   p.speaker_id.c_str(), p.source->speaker.c_str(), p.source->language.c_str(),
                   p.source->item.c_str(), p.attack.c_str(),
                   std::string(p.params["generator"]).c_str(), p.params.dump().c_str(),
                   results[i].duration, text.c_str());
    total_seconds += results[i].duration;
  }
  for (const auto& [split, text] : protocols)
    WriteFileAtomic(la_ + "/ASVspoof2019_LA_cm_protocols/" + ProtocolName(split), text);
  WriteFileAtomic(la_ + "/corpus_metadata.tsv", meta);
  return total_seconds;
}

// The shortcut report (text and JSON): the EER of each trivial feature per split. Returns whether
// every EER lies in [0.35, 0.65].
bool Builder::WriteShortcutReport(const std::vector<Planned>& plan,
                                  const std::vector<Result>& results) const {
  bool shortcuts_ok = true;
  const auto& names = FeatureNames();
  json report = {{"bound", {0.35, 0.65}}, {"seed", opt_.seed}, {"size", opt_.size}};
  std::string txt = Format(
      "Shortcut report: EER of each trivial single feature used as a score (higher = bona fide).\n"
      "0.5 = no information; every value must lie in [0.35, 0.65].\nsize %s, seed %llu\n\n%-22s",
      opt_.size.c_str(), static_cast<unsigned long long>(opt_.seed), "feature");
  for (const std::string split : {"train", "dev", "eval"}) txt += Format("%8s", split.c_str());
  txt += "\n";
  for (size_t f = 0; f < names.size(); ++f) {
    txt += Format("%-22s", names[f].c_str());
    for (const std::string split : {"train", "dev", "eval"}) {
      std::vector<double> b, s;
      for (size_t i = 0; i < plan.size(); ++i)
        if (plan[i].split == split) (plan[i].attack == "-" ? b : s).push_back(results[i].features[f]);
      double eer = Eer(b, s);
      bool ok = eer >= 0.35 && eer <= 0.65;
      shortcuts_ok = shortcuts_ok && ok;
      report["eer"][names[f]][split] = eer;
      txt += Format("%7.3f%s", eer, ok ? " " : "!");
    }
    txt += "\n";
  }
  txt +=
      "\nCue -> fix applied to every file, bona fide and spoof alike:\n"
      "  duration            TTS time-stretched (WSOLA) to the speech length of the bona fide utterance "
      "it stands in for; copy-synthesis keeps its source's cuts; margins random 0.08-0.45 s\n"
      "  leading/trailing    speech bounds measured on the bona fide source, fresh random margins\n"
      "  pause_fraction      inner pauses longer than 0.25 s shortened to 0.12-0.22 s\n"
      "  rms/peak/crest      active speech level normalised to a random -32..-22 dBFS; peaks limited "
      "(smooth limiter) to a random 10-12 dB above the file's RMS; no clipping\n"
      "  rolloff/centroid/   long-term spectrum of each spoof matched to its bona fide source "
      "(+-15 dB);\n"
      "  energy >4k, <150    common 70 Hz-7 kHz band limit and one G.722 round trip for all files\n"
      "  codec history       every file is G.722-coded twice: the Asterisk sources arrive coded once, "
      "every other file (spoofs, Vorbis sources) is coded once before the channel\n"
      "  silence / DC        Gaussian noise at a random -72..-62 dBFS in every file; band limit, and "
      "the mean removed after the codec\n";
  if (opt_.size == "tiny")
    txt += "\nNOTE: the tiny size has a handful of files per split; its figures mean nothing.\n";
  else if (!shortcuts_ok)
    txt += "\nWARNING: a cue lies outside [0.35, 0.65] (marked with !).\n";
  report["ok"] = shortcuts_ok;
  WriteFileAtomic(la_ + "/shortcut_report.txt", txt);
  WriteFileAtomic(la_ + "/shortcut_report.json", report.dump(2) + "\n");
  return shortcuts_ok;
}

}  // namespace

const std::vector<AttackInfo>& Attacks() {
  static const std::vector<AttackInfo> attacks = {
      {"A01", "espeak-ng", "tts", {"train", "dev"}},
      {"A02", "flite", "tts", {"train", "dev"}},
      {"A03", "griffin-lim", "vocoder", {"train", "dev"}},
      {"A04", "lpc-vocoder", "vocoder", {"train", "dev"}},
      {"A05", "praat-psola", "vc", {"train", "dev"}},
      {"A06", "envelope-warp", "vc", {"train", "dev"}},
      {"A07", "lpcnet", "vocoder", {"train", "dev"}},  // neural (WaveRNN family)
      {"A08", "world", "vocoder", {"train", "dev"}},
      {"A09", "codec2", "vocoder", {"train", "dev"}},
      // Unseen in training.
      {"A10", "festival-diphone", "tts", {"eval"}},
      {"A11", "festival-hts", "tts", {"eval"}},
      {"A12", "sptk-mlsa", "vocoder", {"eval"}},
      {"A13", "mel-inversion", "vocoder", {"eval"}},
      {"A14", "piper", "tts", {"eval"}},                  // neural end to end (VITS)
      {"A15", "lpcnet-conversion", "vc", {"eval"}},       // neural vocoder, other quantiser, shifted voice
      {"A17", "world-conversion", "vc", {"eval"}},
      // Known attacks in eval, as LA's A16 (= A04) and A19 (= A06).
      {"A16", "lpc-vocoder", "vocoder", {"eval"}},
      {"A19", "envelope-warp", "vc", {"eval"}},
  };
  return attacks;
}

std::map<std::string, SplitSize> SizesFor(const std::string& size) {
  // Nine attacks per split: per_attack = bonafide / 3 keeps 1 in 4 bona fide.
  if (size == "tiny") return {{"train", {4, 1}}, {"dev", {3, 1}}, {"eval", {4, 1}}};
  if (size == "small") return {{"train", {50, 17}}, {"dev", {25, 8}}, {"eval", {50, 17}}};
  if (size == "default") return {{"train", {150, 50}}, {"dev", {75, 25}}, {"eval", {150, 50}}};
  Fail("corpus: unknown size '" + size + "' (expected tiny, small or default)");
}

std::string ProtocolLine(const std::string& speaker, const std::string& utt, const std::string& attack) {
  return speaker + " " + utt + " - " + attack + " " + (attack == "-" ? "bonafide" : "spoof");
}

CorpusSummary BuildCorpus(const CorpusOptions& options) {
  if (options.out.empty()) Fail("corpus: --out is required");
  if (options.jobs < 1) Fail("corpus: --jobs must be at least 1");
  return Builder(options).Run();
}

}  // namespace antispoof::corpus
