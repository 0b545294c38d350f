// The run directory's records: the doc's key and column lists are the ones the code writes, records
// round-trip, logs are cut back to a checkpoint, and bad files are errors naming the file and key.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <string>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/rundir/run_directory.h"
#include "support/test_support.h"

namespace antispoof::rundir {
namespace {

// The backquoted names after "keys:" or "columns:" in the doc's row for `file`.
std::set<std::string> DocumentedNames(const std::string& file) {
  const std::string doc = ReadFile(testing::SourceDir() + "/docs/run_directory.md");
  const std::string row_start = "| `" + file + "` |";
  const size_t row = doc.find(row_start);
  EXPECT_NE(row, std::string::npos) << file;
  if (row == std::string::npos) return {};
  std::string line = doc.substr(row, doc.find('\n', row) - row);
  std::set<std::string> names;
  const size_t keys = line.find("keys: "), columns = line.find("columns: `");
  if (columns != std::string::npos) {
    const size_t begin = columns + 10, end = line.find('`', begin);
    std::string list = line.substr(begin, end - begin);
    size_t start = 0;
    for (size_t comma; (comma = list.find(',', start)) != std::string::npos; start = comma + 1)
      names.insert(list.substr(start, comma - start));
    names.insert(list.substr(start));
    return names;
  }
  EXPECT_NE(keys, std::string::npos) << file;
  // A key is a backquoted name at the top level of the list: directly after "keys: " or ", ".
  static const std::regex key(R"((?:keys: |, )`([a-z_]+)`)");
  const std::string list = line.substr(keys);
  for (std::sregex_iterator it(list.begin(), list.end(), key), end; it != end; ++it) names.insert((*it)[1]);
  return names;
}

std::set<std::string> KeysOf(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

TEST(RunDirectory, TheDocListsExactlyTheKeysAndColumnsTheCodeWrites) {
  EXPECT_EQ(DocumentedNames("run.json"), KeysOf(RunInfo{}.ToJson()));
  EXPECT_EQ(DocumentedNames("summary.json"), KeysOf(Summary{}.ToJson()));
  const auto& epoch_columns = EpochRow::Columns();
  EXPECT_EQ(DocumentedNames("epochs.csv"), std::set<std::string>(epoch_columns.begin(), epoch_columns.end()));
  const auto& log_columns = IterationRow::Columns();
  EXPECT_EQ(DocumentedNames("train_log.csv"), std::set<std::string>(log_columns.begin(), log_columns.end()));
}

TEST(RunDirectory, RecordsRoundTripAndLogsAreCutBackToACheckpoint) {
  const RunDirectory run(testing::TempDir());
  Summary s;
  s.best_epoch = 3;
  s.best_dev_eer = 0.125;
  s.epochs_done = 4;
  s.total_train_time_s = 12.5;
  s.parameters = 17621410;
  s.seed = 7;
  s.model_name = "AASIST";
  WriteSummary(run, s);
  EXPECT_EQ(ReadSummary(run).ToJson(), s.ToJson());
  RunInfo info;
  info.seed = 7;
  info.data_root = "/data/LA";
  info.world_size = 2;
  WriteRunInfo(run, info);
  EXPECT_EQ(ReadRunInfo(run).ToJson(), info.ToJson());

  for (int epoch = 1; epoch <= 3; ++epoch) {
    AppendEpoch(run, {epoch, 0.5, 0.4, 0.25, 0.75, 1.0});
    for (int i = 1; i <= 2; ++i) AppendIteration(run, {epoch, 2 * (epoch - 1) + i, 0.5, 0.5});
  }
  TruncateLogs(run, 2, 3);
  const CsvTable epochs = ReadCsvTable(run.epochs(), EpochRow::Columns());
  EXPECT_EQ(epochs.Column("epoch"), (std::vector<double>{1, 2}));
  EXPECT_EQ(epochs.Column("dev_eer"), (std::vector<double>{0.25, 0.25}));
  EXPECT_EQ(ReadCsvTable(run.train_log(), IterationRow::Columns()).Column("iteration"),
            (std::vector<double>{1, 2, 3}));
}

TEST(RunDirectory, BadFilesNameTheFileAndTheKey) {
  const RunDirectory run(testing::TempDir());
  auto error_of = [](auto&& read) {
    try {
      read();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::ofstream(run.summary()) << R"({"best_epoch": 1, "epochs_done": 1, "total_train_time_s": 1})";
  std::string e = error_of([&] { ReadSummary(run); });
  EXPECT_NE(e.find(run.summary()), std::string::npos) << e;
  EXPECT_NE(e.find("missing key 'best_dev_eer'"), std::string::npos) << e;
  std::ofstream(run.run_info()) << R"({"data_root": 3})";
  e = error_of([&] { ReadRunInfo(run); });
  EXPECT_NE(e.find("key 'data_root' has the wrong type"), std::string::npos) << e;
  std::ofstream(run.metrics("eval")) << "[1, 2]";
  e = error_of([&] { ReadJsonObject(run.metrics("eval")); });
  EXPECT_NE(e.find("not a JSON object"), std::string::npos) << e;
  std::ofstream(run.epochs()) << "epoch,train_loss\n1,0.5\n2,x\n";
  e = error_of([&] { ReadCsvTable(run.epochs(), {"epoch"}); });
  EXPECT_NE(e.find(run.epochs() + ":3"), std::string::npos) << e;
  EXPECT_NE(e.find("not a number: 'x'"), std::string::npos) << e;
  std::ofstream(run.epochs()) << "epoch,train_loss\n1,0.5\n";
  e = error_of([&] { ReadCsvTable(run.epochs(), EpochRow::Columns()); });
  EXPECT_NE(e.find("no column 'dev_loss'"), std::string::npos) << e;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FolderClaim, MarksANewFolderLocksItAndReleasesTheLockWithTheClaim) {
  const std::string dir = testing::TempDir() + "/a/run";
  {
    FolderClaim claim = FolderClaim::Acquire(dir, FolderKind::kRun);
    EXPECT_NE(ReadFile(dir + "/.antispoof-run").find("\"kind\": \"run\""), std::string::npos);
    EXPECT_EQ(ReadFile(dir + "/.antispoof-lock"), std::to_string(::getpid()) + "\n");
    // A second claim (its own open file description, so flock refuses it even in this process).
    const std::string e = ErrorOf([&] { FolderClaim::Acquire(dir, FolderKind::kRun); });
    const std::string pid = std::to_string(::getpid());
    EXPECT_NE(e.find(dir + ": is in use by another antispoof process (PID " + pid + ", holding "), std::string::npos)
        << e;
    const std::string kind = ErrorOf([&] { FolderClaim::Acquire(dir, FolderKind::kExperiment); });
    EXPECT_NE(kind.find("in use"), std::string::npos) << kind;  // the lock is checked first
  }
  EXPECT_EQ(ErrorOf([&] { FolderClaim::Acquire(dir, FolderKind::kRun); }), "");  // released
  const std::string kind = ErrorOf([&] { FolderClaim::Acquire(dir, FolderKind::kExperiment); });
  EXPECT_NE(kind.find("is an antispoof run folder, not an experiment folder"), std::string::npos) << kind;
}

TEST(FolderClaim, RefusesAUsersFolderAndAcceptsAnEmptyOneOrAnEarlierVersionsRun) {
  const std::string root = testing::TempDir();
  const std::string user = root + "/user";
  std::filesystem::create_directories(user);
  std::ofstream(user + "/notes.txt") << "mine";
  const std::string e = ErrorOf([&] { FolderClaim::Acquire(user, FolderKind::kRun, "--out"); });
  EXPECT_NE(e.find(user + ": exists and is not an antispoof run folder (no .antispoof-run)"), std::string::npos) << e;
  EXPECT_FALSE(std::filesystem::exists(user + "/.antispoof-lock"));
  std::filesystem::create_directories(root + "/empty");
  EXPECT_EQ(ErrorOf([&] { FolderClaim::Acquire(root + "/empty", FolderKind::kRun); }), "");
  const std::string old = root + "/old";
  std::filesystem::create_directories(old);
  std::ofstream(old + "/run.json") << "{}";
  std::ofstream(old + "/last.pth") << "x";
  EXPECT_EQ(ErrorOf([&] { FolderClaim::Acquire(old, FolderKind::kRun); }), "");
  EXPECT_TRUE(FileExists(old + "/.antispoof-run"));
  std::ofstream(root + "/file") << "x";
  EXPECT_NE(ErrorOf([&] { FolderClaim::Acquire(root + "/file", FolderKind::kRun); }).find("is not a folder"),
            std::string::npos);
}

}  // namespace
}  // namespace antispoof::rundir
