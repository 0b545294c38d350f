// The run directory: the contract between train, eval, the experiment and the report
// (docs/run_directory.md). This module owns its file names, its typed records and their reading and
// writing; nothing else spells a file name of a run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace antispoof::rundir {

// The paths of one run's files. Split names are "train", "dev" or "eval".
class RunDirectory {
 public:
  explicit RunDirectory(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  std::string config() const { return Path("config.yaml"); }          // the resolved config
  std::string run_info() const { return Path("run.json"); }           // RunInfo
  std::string summary() const { return Path("summary.json"); }        // Summary
  std::string train_log() const { return Path("train_log.csv"); }     // IterationRow per log_every steps
  std::string epochs() const { return Path("epochs.csv"); }           // EpochRow per finished epoch
  std::string last_checkpoint() const { return Path("last.pth"); }    // weights + optimizer + progress
  std::string best_checkpoint() const { return Path("best.pth"); }    // the epoch of the lowest dev EER
  std::string scores(const std::string& split) const { return Path("scores_" + split + ".txt"); }
  std::string metrics(const std::string& split) const { return Path("metrics_" + split + ".json"); }
  // scores -> log-likelihood ratios fitted on scores_dev.txt (antispoof calibrate; the experiment).
  std::string calibration() const { return Path("calibration.json"); }
  // Files of the experiment runner beside a run's seed folders (<out>/runs/<run>/).
  static std::string Cost(const std::string& run_folder) { return run_folder + "/cost.json"; }
  static std::string BenchRound(const std::string& run_folder, int round) {
    return run_folder + "/bench_round" + std::to_string(round) + ".json";
  }
  static std::string BenchConfig(const std::string& run_folder) { return run_folder + "/bench_config.yaml"; }

 private:
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

// What a folder antispoof writes holds: one training run (train --out, an experiment's seed folder) or
// an experiment (experiment --out).
enum class FolderKind { kRun, kExperiment };

// Exclusive use of a folder antispoof writes (docs/run_directory.md, "Ownership and the lock"):
// - antispoof creates the folder and marks it: `.antispoof-run` holds the format version and the kind;
// - an existing folder that holds anything and has no mark is refused (antispoof never writes into a
//   user's folder: `train -o .` next to one's config.yaml), as is a mark of the other kind; a folder
//   of an earlier version without the mark is recognised by its files (run: run.json and last.pth;
//   experiment: runs/) and marked;
// - `.antispoof-lock` is locked with flock(2) for the claim's lifetime and holds the holder's PID: a
//   second process is refused with a message naming that PID. The kernel drops the lock when its
//   holder exits, however (kill -9 included), so a killed run is resumed without any cleanup.
// Error "DIR: ..." for each refusal; `flag` names the option the folder came from ("--out").
class FolderClaim {
 public:
  static FolderClaim Acquire(const std::string& dir, FolderKind kind, const std::string& flag = "--out");
  FolderClaim() = default;
  FolderClaim(FolderClaim&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FolderClaim& operator=(FolderClaim&& other) noexcept;
  FolderClaim(const FolderClaim&) = delete;
  FolderClaim& operator=(const FolderClaim&) = delete;
  ~FolderClaim();  // releases the lock (the lock file stays)
  static constexpr const char* kMarker = ".antispoof-run";
  static constexpr const char* kLock = ".antispoof-lock";

 private:
  explicit FolderClaim(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// run.json: how the run was started (written once, by rank 0).
struct RunInfo {
  long seed = 0;
  std::string command;            // argv joined
  nlohmann::json versions;        // {"antispoof", "libtorch", "compiler"}
  std::string device;             // the config's device ("cpu", "cuda:0", ...)
  int threads = 0;                // intra-op threads per rank
  std::string data_root;          // absolute
  int64_t train_items = 0, dev_items = 0;
  int world_size = 1;             // ranks of a data-parallel run
  std::string dist_backend;       // "none", "gloo" or "nccl"

  nlohmann::json ToJson() const;
  static RunInfo FromJson(const nlohmann::json& j, const std::string& source);
};

// summary.json: the run's result so far (rewritten after every epoch).
struct Summary {
  int best_epoch = 0;
  double best_dev_eer = 0;        // fraction
  int epochs_done = 0;
  double total_train_time_s = 0;
  int64_t parameters = 0;
  long seed = 0;
  std::string model_name;         // the architecture's name ("RawNet2", "RawNet2-SE", "AASIST")

  nlohmann::json ToJson() const;
  static Summary FromJson(const nlohmann::json& j, const std::string& source);
};

// One row of epochs.csv (EER and accuracy as fractions).
struct EpochRow {
  static const std::vector<std::string>& Columns();  // epoch,train_loss,dev_loss,dev_eer,dev_acc,seconds
  int epoch = 0;
  double train_loss = 0, dev_loss = 0, dev_eer = 0, dev_acc = 0, seconds = 0;
  std::string ToCsv() const;
};

// One row of train_log.csv (iteration: global optimizer step, 1-based).
struct IterationRow {
  static const std::vector<std::string>& Columns();  // epoch,iteration,loss,running_loss
  int epoch = 0;
  int64_t iteration = 0;
  double loss = 0, running_loss = 0;
  std::string ToCsv() const;
};

// Record I/O. Writes are atomic (temporary file + rename); reads name the file in their errors.
void WriteRunInfo(const RunDirectory& run, const RunInfo& info);
RunInfo ReadRunInfo(const RunDirectory& run);
void WriteSummary(const RunDirectory& run, const Summary& summary);
Summary ReadSummary(const RunDirectory& run);
// Appends a row (the header first when the file is new) and flushes.
void AppendEpoch(const RunDirectory& run, const EpochRow& row);
void AppendIteration(const RunDirectory& run, const IterationRow& row);
// Keeps the logs' rows up to the given epoch / iteration (atomically): a resumed run continues them
// exactly where its checkpoint stands.
void TruncateLogs(const RunDirectory& run, int last_epoch, int64_t last_iteration);

// A numeric CSV with a header row; empty fields read as NaN.
struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;
  // Error naming the file when the column is absent.
  std::vector<double> Column(const std::string& name) const;
};
// Error naming the file (and line) for a missing required column, a ragged row or a non-number.
CsvTable ReadCsvTable(const std::string& path, const std::vector<std::string>& required);

// JSON files: an object, or an error naming the file.
nlohmann::json ReadJsonObject(const std::string& path);
void WriteJsonFile(const std::string& path, const nlohmann::json& value);  // atomic, 2-space indent

}  // namespace antispoof::rundir
