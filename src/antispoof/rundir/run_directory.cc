#include "antispoof/rundir/run_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"

namespace antispoof::rundir {
namespace {

std::string Num(double v) { return Format("%.9g", v); }

std::string JoinColumns(const std::vector<std::string>& columns) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + columns[i];
  return out;
}

// The value of `key` when present (a missing key keeps `value`); an error naming the file and key
// when it has another type.
template <typename T>
void ReadKey(const nlohmann::json& j, const char* key, T& value, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    value = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    FailAt(source, 0, std::string("key '") + key + "' has the wrong type (" + it->type_name() + ")");
  }
}

template <typename T>
void RequireKey(const nlohmann::json& j, const char* key, T& value, const std::string& source) {
  if (!j.contains(key) || j.at(key).is_null()) FailAt(source, 0, std::string("missing key '") + key + "'");
  ReadKey(j, key, value, source);
}

void AppendCsvRow(const std::string& path, const std::vector<std::string>& columns, const std::string& row) {
  const bool fresh = !FileExists(path);
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) FailAt(path, 0, "cannot open for appending");
  if (fresh) std::fprintf(f, "%s\n", JoinColumns(columns).c_str());
  std::fprintf(f, "%s\n", row.c_str());
  if (std::fflush(f) != 0 || std::ferror(f)) {
    std::fclose(f);
    FailAt(path, 0, "write failed (disk full?)");
  }
  std::fclose(f);
}

// Keeps the header and the rows whose integer in column `column` (0-based) is <= max_value; rows
// without that column, or with a non-integer there, are dropped.
void TruncateCsvByColumn(const std::string& path, size_t column, int64_t max_value) {
  if (!FileExists(path)) return;
  std::istringstream in(ReadFile(path));
  std::string line, out;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      out += line + "\n";
      header = false;
      continue;
    }
    size_t start = 0;
    for (size_t c = 0; c < column && start != std::string::npos; ++c) {
      start = line.find(',', start);
      if (start != std::string::npos) ++start;
    }
    if (start == std::string::npos) continue;
    const size_t end = line.find(',', start);
    auto value = ParseInt(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (value && *value <= max_value) out += line + "\n";
  }
  WriteFileAtomic(path, out);
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields;
  size_t field_start = 0;
  while (true) {
    size_t comma = line.find(',', field_start);
    fields.push_back(Trim(std::string_view(line).substr(
        field_start, comma == std::string::npos ? std::string::npos : comma - field_start)));
    if (comma == std::string::npos) return fields;
    field_start = comma + 1;
  }
}

std::vector<double> ParseCsvNumbers(const std::vector<std::string>& fields, const std::string& path, long line) {
  std::vector<double> row;
  for (const std::string& field : fields) {
    if (field.empty()) {
      row.push_back(std::nan(""));
      continue;
    }
    std::optional<double> value = ParseDouble(field);
    if (!value) FailAt(path, line, "not a number: '" + field + "'");
    row.push_back(*value);
  }
  return row;
}

constexpr const char* kMarkerFormat = "antispoof-run-folder-1";

const char* KindName(FolderKind kind) { return kind == FolderKind::kRun ? "run" : "experiment"; }

// A folder an earlier antispoof (before the mark) wrote, recognised by its files.
bool IsUnmarkedAntispoofFolder(const std::string& dir, FolderKind kind) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (kind == FolderKind::kRun) return FileExists(dir + "/run.json") && FileExists(dir + "/last.pth");
  return fs::is_directory(dir + "/runs", ec);  // experiment.yaml comes later (after the corpus is built)
}

// Whether `dir` holds anything but antispoof's own mark and lock (and their temporary files).
bool HoldsUserFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (!StartsWith(e.path().filename().string(), ".antispoof-")) return true;
  return false;
}

// Refuses a folder that antispoof must not write into; writes the mark when it is absent.
void CheckAndMark(const std::string& dir, FolderKind kind, const std::string& flag) {
  const std::string marker = dir + "/" + FolderClaim::kMarker;
  if (FileExists(marker)) {
    nlohmann::json mark = nlohmann::json::parse(ReadFile(marker), nullptr, false);
    if (mark.is_discarded() || !mark.is_object() || mark.value("format", "") != kMarkerFormat ||
        !mark.contains("kind") || !mark["kind"].is_string())
      FailAt(marker, 0, std::string("not an antispoof mark of format ") + kMarkerFormat +
                            " (written by another version?): antispoof will not write into " + dir);
    const std::string has = mark.value("kind", "");
    if (has != KindName(kind))
      FailAt(dir, 0, "is an antispoof " + has + " folder, not " +
                         (kind == FolderKind::kRun ? "a run" : "an experiment") + " folder: choose another " + flag);
    return;
  }
  if (HoldsUserFiles(dir) && !IsUnmarkedAntispoofFolder(dir, kind))
    FailAt(dir, 0, std::string("exists and is not an antispoof ") + KindName(kind) + " folder (no " +
                       FolderClaim::kMarker +
                       "): antispoof writes only into a new or empty folder, or one it created; choose another " +
                       flag);
  WriteJsonFile(marker, {{"format", kMarkerFormat}, {"kind", KindName(kind)}});
}

// The PID the lock file names ("" while its holder has not written it yet).
std::string LockHolder(int fd) {
  char buf[32] = {0};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  return n > 0 ? Trim(std::string(buf, static_cast<size_t>(n))) : "";
}

}  // namespace

FolderClaim FolderClaim::Acquire(const std::string& dir, FolderKind kind, const std::string& flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    FailAt(dir, 0, "exists and is not a folder: choose another " + flag);
  // Before anything is created: a user's folder is refused untouched.
  if (fs::is_directory(dir, ec) && !FileExists(dir + "/" + kMarker) && HoldsUserFiles(dir) &&
      !IsUnmarkedAntispoofFolder(dir, kind))
    CheckAndMark(dir, kind, flag);  // throws
  MakeDirs(dir);
  const std::string lock = dir + "/" + kLock;
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) FailAt(lock, 0, std::string("cannot create the lock file: ") + std::strerror(errno));
  FolderClaim claim(fd);  // closes the file on every error below
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) FailAt(lock, 0, std::string("cannot lock: ") + std::strerror(errno));
    std::string holder = LockHolder(fd);
    // The holder writes its PID right after locking: give it a moment.
    for (int i = 0; i < 50 && holder.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      holder = LockHolder(fd);
    }
    FailAt(dir, 0, "is in use by another antispoof process (PID " + (holder.empty() ? std::string("unknown") : holder) +
                       ", holding " + lock + "): wait for it to finish, or choose another " + flag);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    FailAt(lock, 0, std::string("cannot write this process's PID: ") + std::strerror(errno));
  CheckAndMark(dir, kind, flag);  // under the lock: no other antispoof process marks it meanwhile
  return claim;
}

FolderClaim& FolderClaim::operator=(FolderClaim&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FolderClaim::~FolderClaim() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the flock
}

nlohmann::json RunInfo::ToJson() const {
  return {{"seed", seed},           {"command", command},         {"versions", versions},
          {"device", device},       {"threads", threads},         {"data_root", data_root},
          {"train_items", train_items}, {"dev_items", dev_items}, {"world_size", world_size},
          {"dist_backend", dist_backend}};
}

RunInfo RunInfo::FromJson(const nlohmann::json& j, const std::string& source) {
  // Lenient about keys a run written by an older version lacks; strict about types.
  RunInfo r;
  ReadKey(j, "seed", r.seed, source);
  ReadKey(j, "command", r.command, source);
  if (j.contains("versions")) r.versions = j.at("versions");
  ReadKey(j, "device", r.device, source);
  ReadKey(j, "threads", r.threads, source);
  ReadKey(j, "data_root", r.data_root, source);
  ReadKey(j, "train_items", r.train_items, source);
  ReadKey(j, "dev_items", r.dev_items, source);
  ReadKey(j, "world_size", r.world_size, source);
  ReadKey(j, "dist_backend", r.dist_backend, source);
  return r;
}

nlohmann::json Summary::ToJson() const {
  return {{"best_epoch", best_epoch},
          {"best_dev_eer", best_dev_eer},
          {"epochs_done", epochs_done},
          {"total_train_time_s", total_train_time_s},
          {"parameters", parameters},
          {"seed", seed},
          {"model_name", model_name}};
}

Summary Summary::FromJson(const nlohmann::json& j, const std::string& source) {
  Summary s;
  RequireKey(j, "best_epoch", s.best_epoch, source);
  RequireKey(j, "best_dev_eer", s.best_dev_eer, source);
  RequireKey(j, "epochs_done", s.epochs_done, source);
  RequireKey(j, "total_train_time_s", s.total_train_time_s, source);
  ReadKey(j, "parameters", s.parameters, source);
  RequireKey(j, "seed", s.seed, source);
  ReadKey(j, "model_name", s.model_name, source);
  return s;
}

const std::vector<std::string>& EpochRow::Columns() {
  static const std::vector<std::string> columns = {"epoch",   "train_loss", "dev_loss",
                                                   "dev_eer", "dev_acc",    "seconds"};
  return columns;
}

std::string EpochRow::ToCsv() const {
  return Format("%d,%s,%s,%s,%s,%.3f", epoch, Num(train_loss).c_str(), Num(dev_loss).c_str(),
                Num(dev_eer).c_str(), Num(dev_acc).c_str(), seconds);
}

const std::vector<std::string>& IterationRow::Columns() {
  static const std::vector<std::string> columns = {"epoch", "iteration", "loss", "running_loss"};
  return columns;
}

std::string IterationRow::ToCsv() const {
  return Format("%d,%lld,%s,%s", epoch, static_cast<long long>(iteration), Num(loss).c_str(),
                Num(running_loss).c_str());
}

void WriteRunInfo(const RunDirectory& run, const RunInfo& info) { WriteJsonFile(run.run_info(), info.ToJson()); }

RunInfo ReadRunInfo(const RunDirectory& run) {
  return RunInfo::FromJson(ReadJsonObject(run.run_info()), run.run_info());
}

void WriteSummary(const RunDirectory& run, const Summary& summary) {
  WriteJsonFile(run.summary(), summary.ToJson());
}

Summary ReadSummary(const RunDirectory& run) {
  return Summary::FromJson(ReadJsonObject(run.summary()), run.summary());
}

void AppendEpoch(const RunDirectory& run, const EpochRow& row) {
  AppendCsvRow(run.epochs(), EpochRow::Columns(), row.ToCsv());
}

void AppendIteration(const RunDirectory& run, const IterationRow& row) {
  AppendCsvRow(run.train_log(), IterationRow::Columns(), row.ToCsv());
}

void TruncateLogs(const RunDirectory& run, int last_epoch, int64_t last_iteration) {
  TruncateCsvByColumn(run.train_log(), 1, last_iteration);
  TruncateCsvByColumn(run.epochs(), 0, last_epoch);
}

std::vector<double> CsvTable::Column(const std::string& name) const {
  auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) FailAt(path, 1, "no column '" + name + "'");
  const size_t index = static_cast<size_t>(it - header.begin());
  std::vector<double> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(row[index]);
  return out;
}

CsvTable ReadCsvTable(const std::string& path, const std::vector<std::string>& required) {
  CsvTable table;
  table.path = path;
  const std::string text = ReadFile(path);
  size_t start = 0;
  long line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = Trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty()) continue;
    std::vector<std::string> fields = SplitCsvLine(line);
    if (table.header.empty()) {
      table.header = std::move(fields);
      continue;
    }
    if (fields.size() != table.header.size())
      FailAt(path, line_number, Format("%zu fields; the header has %zu", fields.size(), table.header.size()));
    table.rows.push_back(ParseCsvNumbers(fields, path, line_number));
  }
  if (table.header.empty()) FailAt(path, 0, "empty file: expected a header row");
  for (const std::string& name : required) table.Column(name);
  return table;
}

nlohmann::json ReadJsonObject(const std::string& path) {
  nlohmann::json json = nlohmann::json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) FailAt(path, 0, "not valid JSON");
  if (!json.is_object()) FailAt(path, 0, "not a JSON object");
  return json;
}

void WriteJsonFile(const std::string& path, const nlohmann::json& value) {
  WriteFileAtomic(path, value.dump(2) + "\n");
}

}  // namespace antispoof::rundir
