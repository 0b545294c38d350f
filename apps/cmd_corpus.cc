#include <cstdio>
#include <string>
#include <thread>

#include "antispoof/common/strings.h"
#include "antispoof/corpus/corpus.h"
#include "command.h"

namespace {

antispoof::cli::Registration reg{
    {"corpus",
     "Build a small real-speech spoofing corpus in the ASVspoof 2019 LA layout from Debian packages",
     [](CLI::App& sub) {
       auto opt = std::make_shared<antispoof::corpus::CorpusOptions>();
       opt->jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
       sub.add_option("--out", opt->out, "Corpus folder (LA/ is created inside)")->required();
       sub.add_option("--size", opt->size, "tiny (tests), small or default")
           ->check(CLI::IsMember({"tiny", "small", "default"}))
           ->capture_default_str();
       sub.add_option("--seed", opt->seed, "Seed (the corpus is a function of size and seed)")
           ->capture_default_str();
       sub.add_option("--jobs", opt->jobs, "Parallel generation jobs")->capture_default_str();
       sub.add_option("--cache", opt->cache,
                      "Package and decoded-source cache (default $ANTISPOOF_CACHE or ~/.cache/antispoof)");
       return [opt] {
         auto s = antispoof::corpus::BuildCorpus(*opt);
         std::printf("corpus: %d utterances (%d reused), %.2f h of audio, in %s\n", s.files, s.reused,
                     s.audio_hours, opt->out.c_str());
         const char* verdict = opt->size == "tiny" ? "tiny: too few utterances for meaningful figures"
                               : s.shortcuts_ok    ? "every cue within [0.35, 0.65]"
                                                   : "SOME CUES OUTSIDE [0.35, 0.65]";
         std::printf("corpus: shortcut report %s (%s)\n", s.report_path.c_str(), verdict);
         std::printf("corpus: built in %.1f s\n", s.seconds);
         return 0;
       };
     },
     20}};

}  // namespace
