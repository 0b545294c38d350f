#pragma once

#include <string>
#include <vector>

namespace antispoof {

// Runs argv[0] (a path, not searched in PATH) with argv[1..] and this process's environment, stdin
// from /dev/null, and waits for it. Its stdout goes to `stdout_path` (created or truncated) and its
// stderr to `stderr_path`; an empty path leaves that stream shared with this process. Returns the
// exit status, or 128 + the signal that killed it. Error naming argv[0] when it cannot be started.
int RunProcess(const std::vector<std::string>& argv, const std::string& stdout_path = "",
               const std::string& stderr_path = "");

// The absolute path of this process's executable (/proc/self/exe); Error when it cannot be read.
std::string SelfExecutable();

// This machine's cores (std::thread::hardware_concurrency(), at least 1).
int MachineCores();
// The number of threads to start for a request of `requested` (> 0) threads of `what` ("intra-op
// threads", "audio loader workers"): at most MachineCores(). A larger request is lowered to that with
// one line on stderr naming `what` (more threads than cores only slow each other down, and a count like
// 100000 would stall the machine). Every place that starts a configurable number of threads goes
// through here.
int BoundedThreads(int requested, const std::string& what);

}  // namespace antispoof
