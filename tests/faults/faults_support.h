// Inputs the fault catalogue generates (WAV files, a synthetic ASVspoof corpus, a tiny config, a
// trained tiny run, stored-zip archives) and checks (file snapshots, zip records, child
// processes). Header-only: the faults tests link no module and drive the real binary.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace antispoof::faults {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::RunAntispoof;
using testing::RunShell;
using testing::Slurp;

inline void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string Quote(const std::string& s) { return "'" + s + "'"; }

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Little-endian integer of `n` bytes.
inline std::string Le(uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

// A WAV file: 16-bit PCM (x * 32768, clamped) or, with float_samples, 32-bit IEEE float.
// `declared_frames` >= 0 overrides the data chunk size the header states.
inline std::string Wav(const std::vector<float>& interleaved, int rate = 16000, int channels = 1,
                       bool float_samples = false, int64_t declared_frames = -1) {
  std::string data;
  for (float x : interleaved) {
    if (float_samples) {
      uint32_t bits;
      std::memcpy(&bits, &x, 4);
      data += Le(bits, 4);
    } else {
      double v = std::nearbyint(static_cast<double>(x) * 32768.0);
      v = std::max(-32768.0, std::min(32767.0, v));
      data += Le(static_cast<uint16_t>(static_cast<int16_t>(v)), 2);
    }
  }
  const int bytes_per_sample = float_samples ? 4 : 2;
  const uint64_t data_size =
      declared_frames >= 0 ? declared_frames * channels * bytes_per_sample : data.size();
  const int block = channels * bytes_per_sample;
  return "RIFF" + Le(36 + data_size, 4) + "WAVEfmt " + Le(16, 4) + Le(float_samples ? 3 : 1, 2) +
         Le(channels, 2) + Le(rate, 4) + Le(rate * block, 4) + Le(block, 2) +
         Le(8 * bytes_per_sample, 2) + "data" + Le(data_size, 4) + data;
}

// Deterministic test signals in [-0.4, 0.4].
inline std::vector<float> Tone(int n, double hz = 440, int rate = 16000) {
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * hz * i / rate));
  return x;
}
inline std::vector<float> Noise(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.4f, 0.4f);
  std::vector<float> x(n);
  for (auto& v : x) v = u(rng);
  return x;
}

// The model every catalogue case uses: the reference structure with a narrow GRU and FC and
// half-second inputs, so that a training step takes milliseconds. A line of `extra_model`
// ("  key: value") replaces the model line of the same key, or is added.
inline constexpr int kNbSamp = 8000;
// The training kill hook (train/trainer.h).
inline constexpr const char* kKillEnv = "ANTISPOOF_KILL_AT_ITERATION";
inline std::string WriteTinyConfig(const std::string& dir, const std::string& extra_top = "",
                                   const std::string& extra_model = "",
                                   const std::string& name = "tiny") {
  std::vector<std::string> model = {"  nb_samp: " + std::to_string(kNbSamp),
                                    "  first_conv: 1024",
                                    "  in_channels: 1",
                                    "  filts: [20, [20, 20], [20, 32], [32, 32]]",
                                    "  blocks: [2, 4]",
                                    "  nb_fc_node: 16",
                                    "  gru_node: 16",
                                    "  nb_gru_layer: 1",
                                    "  nb_classes: 2"};
  std::istringstream extra(extra_model);
  for (std::string line; std::getline(extra, line);) {
    const std::string key = line.substr(0, line.find(':') + 1);
    auto it = std::find_if(model.begin(), model.end(),
                           [&](const std::string& m) { return m.rfind(key, 0) == 0; });
    if (it != model.end())
      *it = line;
    else
      model.push_back(line);
  }
  std::string text =
      "batch_size: 4\nnum_epochs: 1\nlr: 0.001\nlog_every: 1\nthreads: 1\nnum_workers: 1\n" +
      extra_top + "model:\n";
  for (const auto& line : model) text += line + "\n";
  std::string path = dir + "/" + name + ".yaml";
  Spit(path, text);
  return path;
}

// An ASVspoof 2019 LA layout under `dir` (WAV audio): `train` and `dev` utterances, one in three
// bona fide (noise; spoofs are tones), lengths around nb_samp so that some are tiled. Returns LA.
inline std::string WriteCorpus(const std::string& dir, int train = 24, int dev = 12) {
  const std::string la = dir + "/LA";
  fs::create_directories(la + "/ASVspoof2019_LA_cm_protocols");
  struct Split {
    const char* name;
    const char* prefix;
    const char* protocol;
    int count;
  };
  unsigned seed = 1;
  for (const Split& s :
       {Split{"train", "LA_T_", "train.trn", train}, Split{"dev", "LA_D_", "dev.trl", dev}}) {
    const std::string audio = la + "/ASVspoof2019_LA_" + s.name + "/flac";
    fs::create_directories(audio);
    std::string protocol;
    for (int i = 0; i < s.count; ++i) {
      const std::string utt = s.prefix + std::to_string(1000000 + i);
      const bool bona = i % 3 == 0;
      const int n = 5000 + 1500 * (i % 4);
      Spit(audio + "/" + utt + ".wav", Wav(bona ? Noise(n, seed++) : Tone(n, 200 + 50 * (i % 7))));
      protocol += "LA_0001 " + utt + " - " + (bona ? "-" : "A0" + std::to_string(1 + i % 6)) + " " +
                  (bona ? "bonafide" : "spoof") + "\n";
    }
    Spit(la + "/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm." + s.protocol + ".txt", protocol);
  }
  return la;
}

inline std::string TrainArgs(const std::string& config, const std::string& la,
                             const std::string& out, const std::string& extra = "") {
  return "--quiet train --config " + Quote(config) + " --data-root " + Quote(la) + " --out " +
         Quote(out) + " " + extra;
}

// A finished one-epoch tiny run in `dir`/run (config.yaml, best.pth, last.pth, ...).
struct TinyRun {
  std::string dir, la, config, run, checkpoint;
};
inline TinyRun TrainTinyRun(const std::string& dir) {
  TinyRun r;
  r.dir = dir;
  r.la = WriteCorpus(dir, 8, 6);
  r.config = WriteTinyConfig(dir);
  r.run = dir + "/run";
  CommandResult t = RunAntispoof(TrainArgs(r.config, r.la, r.run));
  EXPECT_EQ(t.exit_code, 0) << t.err;
  r.checkpoint = r.run + "/last.pth";
  return r;
}

// The run the CTest fixture faults.fixture.tiny_run trains once (tests only read it). Built here
// (in a temporary folder, then renamed) when absent, e.g. when one test binary runs alone.
inline TinyRun SharedTinyRun() {
  const std::string dir = ANTISPOOF_FAULTS_RUN_DIR;
  TinyRun r;
  if (!fs::exists(dir + "/run/last.pth")) {
    const std::string tmp = dir + ".tmp." + std::to_string(::getpid());
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    TrainTinyRun(tmp);
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(fs::path(dir).parent_path());
    fs::rename(tmp, dir, ec);
    if (ec) fs::remove_all(tmp);  // another process got there first
  }
  r.dir = dir;
  r.la = dir + "/LA";
  r.config = dir + "/tiny.yaml";
  r.run = dir + "/run";
  r.checkpoint = r.run + "/last.pth";
  return r;
}

// `antispoof score` of files with the run's config and a checkpoint.
inline CommandResult Score(const TinyRun& r, const std::string& files,
                           const std::string& checkpoint = "", const std::string& flags = "") {
  return RunAntispoof("score --config " + Quote(r.config) + " --checkpoint " +
                      Quote(checkpoint.empty() ? r.checkpoint : checkpoint) + " --threads 1 " +
                      flags + " " + files);
}

// Every regular file under `dir` (relative path -> bytes).
inline std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = Slurp(e.path().string());
  return out;
}

inline std::vector<std::string> TempFilesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (Contains(e.path().filename().string(), ".tmp.")) out.push_back(e.path().string());
  return out;
}

// --- zip archives (stored entries, as torch.save writes them) ---

inline uint32_t Crc32(const std::string& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

inline std::string StoredZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, central;
  for (const auto& [name, data] : entries) {
    const uint32_t crc = Crc32(data);
    const size_t offset = out.size();
    out += Le(0x04034b50, 4) + Le(20, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(crc, 4) +
           Le(data.size(), 4) + Le(data.size(), 4) + Le(name.size(), 2) + Le(0, 2) + name + data;
    central += Le(0x02014b50, 4) + Le(20, 2) + Le(20, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) +
               Le(crc, 4) + Le(data.size(), 4) + Le(data.size(), 4) + Le(name.size(), 2) +
               Le(0, 2) + Le(0, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(offset, 4) + name;
  }
  const size_t cd_offset = out.size();
  out += central;
  out += Le(0x06054b50, 4) + Le(0, 2) + Le(0, 2) + Le(entries.size(), 2) + Le(entries.size(), 2) +
         Le(central.size(), 4) + Le(cd_offset, 4) + Le(0, 2);
  return out;
}

inline uint64_t GetLe(const std::string& b, size_t pos, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b.at(pos + i));
  return v;
}

// Records of a zip archive (name -> data); handles the zip64 fields torch's writer may use.
inline std::map<std::string, std::string> ZipRecords(const std::string& b) {
  std::map<std::string, std::string> out;
  size_t end = b.rfind(std::string("PK\x05\x06", 4));
  if (end == std::string::npos) return out;
  uint64_t count = GetLe(b, end + 10, 2), cd = GetLe(b, end + 16, 4);
  if (cd == 0xFFFFFFFF || count == 0xFFFF) {
    size_t z64 = b.rfind(std::string("PK\x06\x06", 4));
    count = GetLe(b, z64 + 32, 8);
    cd = GetLe(b, z64 + 48, 8);
  }
  size_t p = cd;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t size = GetLe(b, p + 24, 4), name_len = GetLe(b, p + 28, 2),
             extra_len = GetLe(b, p + 30, 2), comment_len = GetLe(b, p + 32, 2),
             local = GetLe(b, p + 42, 4);
    std::string name = b.substr(p + 46, name_len);
    size_t x = p + 46 + name_len;
    while (x + 4 <= p + 46 + name_len + extra_len) {
      uint64_t id = GetLe(b, x, 2), len = GetLe(b, x + 2, 2);
      size_t f = x + 4;
      if (id == 1) {
        if (size == 0xFFFFFFFF) size = GetLe(b, f, 8), f += 8;
        if (GetLe(b, p + 20, 4) == 0xFFFFFFFF) f += 8;
        if (local == 0xFFFFFFFF) local = GetLe(b, f, 8);
      }
      x += 4 + len;
    }
    size_t data = local + 30 + GetLe(b, local + 26, 2) + GetLe(b, local + 28, 2);
    out[name] = b.substr(data, size);
    p += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

// Every record of two checkpoints but antispoof's metadata JSON (which holds wall-clock times)
// must be byte-identical: the same tensors, names, order and optimizer state.
inline void ExpectSameWeights(const std::string& a, const std::string& b) {
  auto ra = ZipRecords(Slurp(a)), rb = ZipRecords(Slurp(b));
  ASSERT_GT(ra.size(), 3u) << a;
  ASSERT_EQ(ra.size(), rb.size()) << a << " vs " << b;
  for (const auto& [name, data] : ra) {
    if (name.size() >= 15 && name.compare(name.size() - 15, 15, "/antispoof.json") == 0) continue;
    ASSERT_TRUE(rb.count(name)) << name;
    EXPECT_TRUE(rb[name] == data) << "record " << name << " differs between " << a << " and " << b;
  }
}

// --- processes ---

struct Child {
  pid_t pid = -1;
  std::string out, err;  // files holding its stdout and stderr
};

// Starts the antispoof binary with `args` (shell words) in the background.
inline Child Spawn(const std::string& args, const std::string& dir, const std::string& env = "") {
  static int counter = 0;
  Child c;
  c.out = dir + "/child" + std::to_string(counter) + ".out";
  c.err = dir + "/child" + std::to_string(counter++) + ".err";
  const std::string command = env + " exec " + Quote(testing::BinaryPath()) + " " + args + " >" +
                              Quote(c.out) + " 2>" + Quote(c.err) + " </dev/null";
  c.pid = ::fork();
  if (c.pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return c;
}

// Exit status as a shell reports it: the exit code, or 128 + the signal.
inline int Wait(const Child& c) {
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A run of the binary with its peak resident memory (its own and that of anything it waited for).
struct Measured {
  int exit_code = -1;
  std::string out, err;
  long max_rss_mb = 0;
  double seconds = 0;
};

// Runs the antispoof binary with `args` (shell words) under `timeout -s KILL seconds`, so that a
// regression that blocks (a FIFO) or reads forever (/dev/zero) fails the test instead of hanging
// the suite (exit 137), with `env` (VAR=value words) set. `dir` holds its output files.
inline Measured RunMeasured(const std::string& args, const std::string& dir, int seconds = 120,
                            const std::string& env = "") {
  static int counter = 0;
  const std::string out = dir + "/measured" + std::to_string(counter) + ".out";
  const std::string err = dir + "/measured" + std::to_string(counter++) + ".err";
  const std::string command = "exec env " + env + " timeout -s KILL " + std::to_string(seconds) + " " +
                              Quote(testing::BinaryPath()) + " " + args + " >" + Quote(out) + " 2>" +
                              Quote(err) + " </dev/null";
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  Measured m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  m.out = Slurp(out);
  m.err = Slurp(err);
  m.max_rss_mb = usage.ru_maxrss / 1024;  // kB on Linux
  return m;
}

// True when this test (and so the binary of its tree) is built with AddressSanitizer, whose shadow
// memory cannot live under a `ulimit -v`.
inline bool BuiltWithAddressSanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

inline bool HasTool(const std::string& tool) {
  return RunShell("command -v " + tool).exit_code == 0;
}

inline int CountLines(const std::string& path) {
  std::string s = Slurp(path);
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// Waits until `path` has at least `lines` lines (or `seconds` pass); false on timeout.
inline bool WaitForLines(const std::string& path, int lines, double seconds = 120) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (CountLines(path) >= lines) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace antispoof::faults
