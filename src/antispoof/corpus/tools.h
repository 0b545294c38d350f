// External programs (synthesisers, ffmpeg, apt-get) and the package cache.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace antispoof::corpus {

// Runs `command` with /bin/sh in `workdir`, LC_ALL=C, SPTK's binaries on PATH, stdin from
// /dev/null. Returns the exit status; stderr goes to workdir/stderr.txt.
int RunShell(const std::string& command, const std::string& workdir);
// As RunShell, but an Error quoting the tail of stderr on a non-zero status.
void RunOrFail(const std::string& what, const std::string& command, const std::string& workdir);

// Error naming the tool and the Debian package to install when `tool` is not on PATH.
void RequireTool(const std::string& tool, const std::string& package);

// Single-quoted for /bin/sh.
std::string ShellQuote(const std::string& s);

// The Debian data packages are downloaded with apt-get download and unpacked with dpkg -x into
// cache/pkgs/<package>/ (once; a lock file serialises concurrent builds). Returns that folder.
std::string FetchPackage(const std::string& cache, const std::string& package);

// Default cache: $ANTISPOOF_CACHE, else $XDG_CACHE_HOME/antispoof, else ~/.cache/antispoof.
std::string DefaultCacheDir();

// Runs fn(i) for i in [0, n) on `jobs` threads; the first exception is rethrown after all stop.
void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn);

void RemoveTree(const std::string& path);

}  // namespace antispoof::corpus
