#include "antispoof/report/gnuplot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"

extern char** environ;

namespace antispoof::report {
namespace fs = std::filesystem;

std::string FindGnuplot() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    start = end + 1;
    if (dir.empty()) continue;
    std::string candidate = dir + "/gnuplot";
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  Fail(
      "gnuplot not found on PATH: the report draws its plots with gnuplot; install the "
      "gnuplot-nox package (apt-get install gnuplot-nox)");
}

GnuplotRunner::GnuplotRunner() : gnuplot_(FindGnuplot()) {
  std::string pattern = (fs::temp_directory_path() / "antispoof_plot_XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    Fail(std::string("cannot create a temporary folder for gnuplot: ") + std::strerror(errno));
  }
  dir_ = buffer.data();
  WriteFileAtomic(dir_ + "/probe.gp", "set terminal pngcairo\n");
  std::string messages;
  cairo_ = Run("probe.gp", &messages) == 0;
}

GnuplotRunner::~GnuplotRunner() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string GnuplotRunner::Terminal(int width, int height) const {
  if (cairo_) {
    return Format("set terminal pngcairo size %d,%d noenhanced font 'Sans,10' linewidth 1.5\n",
                  width, height);
  }
  return Format("set terminal png size %d,%d noenhanced\n", width, height);
}

void GnuplotRunner::WriteData(const std::string& name, const std::string& text) const {
  WriteFileAtomic(dir_ + "/" + name, text);
}

int GnuplotRunner::Run(const std::string& script_name, std::string* messages) const {
  // Environment prepared before fork: the child only execs.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (StartsWith(*e, "LC_ALL=") || StartsWith(*e, "DISPLAY=")) continue;
    env_strings.push_back(*e);
  }
  env_strings.push_back("LC_ALL=C");
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string gnuplot = gnuplot_;
  std::string script = script_name;
  std::vector<char*> argv = {gnuplot.data(), script.data(), nullptr};
  const std::string log_path = dir_ + "/gnuplot.log";
  const std::string dir = dir_;

  pid_t pid = ::fork();
  if (pid < 0) Fail(std::string("cannot start gnuplot: fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_in = ::open("/dev/null", O_RDONLY);
    if (log < 0 || null_in < 0 || ::chdir(dir.c_str()) != 0) ::_exit(126);
    ::dup2(null_in, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execve(gnuplot.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) Fail(std::string("waiting for gnuplot failed: ") + std::strerror(errno));
  }
  *messages = FileExists(log_path) ? ReadFile(log_path) : "";
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void GnuplotRunner::Render(const std::string& script, const std::string& png_path, int width,
                           int height) const {
  const std::string name = fs::path(png_path).filename().string();
  std::error_code ec;
  fs::remove(dir_ + "/out.png", ec);
  WriteFileAtomic(dir_ + "/plot.gp",
                  Terminal(width, height) + "set output 'out.png'\n" + script + "\nset output\n");
  std::string messages;
  const int code = Run("plot.gp", &messages);
  if (code != 0) {
    Fail(Format("gnuplot (%s) failed with exit code %d drawing %s:\n%s", gnuplot_.c_str(), code,
                name.c_str(), messages.c_str()));
  }
  const std::string out = dir_ + "/out.png";
  if (!FileExists(out) || fs::file_size(out, ec) == 0) {
    Fail(Format("gnuplot (%s) drew no PNG for %s:\n%s", gnuplot_.c_str(), name.c_str(),
                messages.c_str()));
  }
  WriteFileAtomic(png_path, ReadFile(out));
}

}  // namespace antispoof::report
