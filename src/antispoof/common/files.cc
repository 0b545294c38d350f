#include "antispoof/common/files.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof {

namespace {

// "1001 bytes", "256 MiB", "1.5 MiB".
std::string Size(uint64_t bytes) {
  if (bytes < (uint64_t{1} << 20)) return Format("%llu bytes", static_cast<unsigned long long>(bytes));
  const double mib = static_cast<double>(bytes) / (1 << 20);
  return mib == std::floor(mib) ? Format("%.0f MiB", mib) : Format("%.1f MiB", mib);
}

// "1001 bytes", "8589934592 bytes (8192 MiB)".
std::string ExactSize(uint64_t bytes) {
  const std::string exact = Format("%llu bytes", static_cast<unsigned long long>(bytes));
  return bytes < (uint64_t{1} << 20) ? exact : exact + " (" + Size(bytes) + ")";
}

// "a FIFO (named pipe)" etc. for a stat mode that is not a regular file.
std::string KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

[[noreturn]] void FailNotRegular(const std::string& path, mode_t mode) {
  FailAt(path, 0, "is " + KindOf(mode) + ", not a regular file (antispoof reads its inputs only from "
                  "regular files)");
}

[[noreturn]] void FailOverLimit(const std::string& path, uint64_t bytes, bool at_least,
                                const ReadLimit& limit, uint64_t max) {
  FailAt(path, 0, Format("%s%s is more than antispoof holds of a %s (the limit is %s; set %s to a number "
                         "of MiB to raise it)",
                         at_least ? "at least " : "", ExactSize(bytes).c_str(), limit.what, Size(max).c_str(),
                         limit.env));
}

}  // namespace

uint64_t LimitBytes(const ReadLimit& limit) {
  const char* env = std::getenv(limit.env);
  if (!env || !*env) return limit.default_bytes;
  const std::string value = env;
  char* end = nullptr;
  errno = 0;
  const unsigned long long mib = std::strtoull(value.c_str(), &end, 10);
  if (value.find_first_not_of("0123456789") != std::string::npos || errno != 0 || mib == 0 ||
      mib > (uint64_t{1} << 43)) {
    Fail(Format("%s: expected a positive whole number of MiB, got '%s'", limit.env, value.c_str()));
  }
  return static_cast<uint64_t>(mib) << 20;
}

uint64_t CheckRegularFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) FailAt(path, 0, std::string("cannot open: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) FailNotRegular(path, st.st_mode);
  return static_cast<uint64_t>(st.st_size);
}

InputFile::InputFile(const std::string& path) : path_(path) {
  CheckRegularFile(path);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) FailAt(path, 0, std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {  // replaced between the check and the open
    const mode_t mode = st.st_mode;
    ::close(fd_);
    fd_ = -1;
    FailNotRegular(path, mode);
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

size_t InputFile::ReadAt(void* buffer, size_t size, uint64_t offset) const {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd_, static_cast<char*>(buffer) + done, size - done,
                              static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      FailAt(path_, 0, std::string("read error: ") + std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

std::string ReadFile(const std::string& path, const ReadLimit& limit) {
  const uint64_t max = LimitBytes(limit);
  InputFile file(path);  // a sparse 8 GB file is refused by its size below, before any read
  if (file.size() > max) FailOverLimit(path, file.size(), false, limit, max);
  std::string out;
  try {
    out.resize(static_cast<size_t>(file.size()));
  } catch (const std::bad_alloc&) {
    FailAt(path, 0, "out of memory: cannot hold its " + ExactSize(file.size()));
  }
  size_t got = file.ReadAt(out.data(), out.size(), 0);
  out.resize(got);
  // A file that grew since fstat: read on, in pieces, up to one byte past the limit.
  char piece[1 << 16];
  for (size_t n; (n = file.ReadAt(piece, sizeof(piece), out.size())) > 0;) {
    if (out.size() + n > max) FailOverLimit(path, out.size() + n, true, limit, max);
    out.append(piece, n);
  }
  return out;
}

std::string ReadFile(const std::string& path) { return ReadFile(path, kTextLimit); }

void WriteFileAtomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) FailAt(path, 0, std::string("cannot create temporary file: ") + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      FailAt(path, 0, std::string("write failed (previous file left intact): ") + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 && errno != EINVAL) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    FailAt(path, 0, std::string("fsync failed (previous file left intact): ") + std::strerror(err));
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    FailAt(path, 0, std::string("close failed (previous file left intact): ") + std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    FailAt(path, 0, std::string("rename failed: ") + std::strerror(err));
  }
}

int RemoveStaleTempFiles(const std::string& dir) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const size_t at = name.rfind(".tmp.");
    if (at == std::string::npos || at + 5 >= name.size()) continue;
    const std::string pid = name.substr(at + 5);
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) == 0 || errno != ESRCH) continue;
    std::error_code remove_ec;
    if (std::filesystem::remove(entry.path(), remove_ec)) ++removed;
  }
  return removed;
}

void MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) FailAt(path, 0, "cannot create folder: " + ec.message());
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace antispoof
