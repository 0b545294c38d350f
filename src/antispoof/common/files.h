#pragma once

#include <cstdint>
#include <string>

namespace antispoof {

// How much of one file a reader will hold in memory: `what` names the kind of input in messages,
// `env` the environment variable (a whole number of MiB) that replaces `default_bytes`.
struct ReadLimit {
  const char* what;
  const char* env;
  uint64_t default_bytes;
};
// Configs, protocols, key and score files, calibrations, JSON records: 256 MiB.
inline constexpr ReadLimit kTextLimit{"text file", "ANTISPOOF_MAX_TEXT_MIB", uint64_t{256} << 20};
// .pth checkpoints (RawNet2's are 70 MB, AASIST's 1 MB): 4 GiB.
inline constexpr ReadLimit kCheckpointLimit{"checkpoint", "ANTISPOOF_MAX_CHECKPOINT_MIB", uint64_t{4} << 30};

// The limit in bytes: the environment variable when set (Error naming it unless it is a positive
// whole number of MiB), else the default.
uint64_t LimitBytes(const ReadLimit& limit);

// Error ("PATH: is a FIFO (named pipe), not a regular file ...") unless `path` names a regular file
// (after symlinks): checked with stat before anything opens it, so a FIFO cannot block the reader
// and a character device (/dev/zero) cannot feed it forever. Returns the file's size in bytes.
uint64_t CheckRegularFile(const std::string& path);

// An open regular file (read-only, O_NONBLOCK so that a FIFO swapped in after the check cannot block
// either; the descriptor is checked again with fstat). Error naming the path when it is missing, not
// a regular file, or cannot be opened.
class InputFile {
 public:
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }  // bytes, as fstat stated at open
  const std::string& path() const { return path_; }
  // Up to `size` bytes from `offset` (fewer only at the end of the file); Error naming the path on a
  // read error.
  size_t ReadAt(void* buffer, size_t size, uint64_t offset) const;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Whole file as bytes: a regular file of at most LimitBytes(limit) bytes (the limit is checked
// against its size before reading, and again while reading, for a file that grows). Error naming
// the path for a missing or non-regular file, a file over the limit (naming the limit and its
// variable), a read error, or memory that cannot be had for its size.
std::string ReadFile(const std::string& path, const ReadLimit& limit);
// ReadFile(path, kTextLimit).
std::string ReadFile(const std::string& path);

// Writes to PATH.tmp.<pid> in the same folder, fsyncs, then renames over PATH, so a reader (or a
// crash) sees either the old file or the new one, never a partial file. Error naming the path
// (and leaving any previous file intact) when the disk is full or the folder is not writable.
void WriteFileAtomic(const std::string& path, const std::string& bytes);

// Removes the temporary files WriteFileAtomic left in `dir` when its process was killed
// (NAME.tmp.<pid> of a process that no longer exists); returns how many.
int RemoveStaleTempFiles(const std::string& dir);

// Creates the folder and its parents; Error when that fails.
void MakeDirs(const std::string& path);

bool FileExists(const std::string& path);

}  // namespace antispoof
