// The corpus's Python attacks (WORLD copy-synthesis and conversion with pyworld, Piper neural TTS),
// run by corpus_generators.py (compiled into the binary) in the project's virtual environment, one
// Python process per batch of utterances.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace antispoof::corpus {

// The pip packages the Python attacks import, as `pip install` names them.
const std::vector<std::string>& PythonPackages();

// The interpreter: $ANTISPOOF_PYTHON; else the first .venv/bin/python in the folders above this
// executable (build/apps/antispoof -> the clone's .venv, which scripts/setup.sh creates); else
// ./.venv/bin/python. Error naming scripts/setup.sh when there is none.
std::string FindCorpusPython();

// Error naming the pip package(s) to install when `python` cannot import one of PythonPackages().
void RequirePythonPackages(const std::string& python);

// Runs the jobs (JSON objects, one per string, in corpus_generators.py's format) in at most `jobs`
// Python processes at a time, min(jobs, n) batches dealt round-robin; `work` holds the script, job
// lists and logs (created; left in place). Returns each job's seconds by its "utt". Error quoting
// the script's stderr when a batch fails.
std::map<std::string, double> RunPythonJobs(const std::string& python,
                                            const std::vector<std::string>& job_lines,
                                            const std::string& work, int jobs);

}  // namespace antispoof::corpus
