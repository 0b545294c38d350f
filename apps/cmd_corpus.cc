#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

#include "antispoof/common/strings.h"
#include "antispoof/corpus/corpus.h"
#include "antispoof/corpus/holdout.h"
#include "command.h"

namespace {

antispoof::cli::Registration reg{
    {"corpus",
     "Build a small real-speech spoofing corpus in the ASVspoof 2019 LA layout from Debian packages",
     [](CLI::App& sub) {
       auto opt = std::make_shared<antispoof::corpus::CorpusOptions>();
       auto holdouts = std::make_shared<std::vector<std::string>>();
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
       sub.add_option("--holdout", *holdouts,
                      "Also write OUT/holdout_KEY_VALUE/, a data root whose train and dev hold no utterance of "
                      "the condition KEY=VALUE (KEY: language, speaker or attack; e.g. language=it) and whose eval "
                      "holds only it (attack: its spoofs and eval's bona fide); repeatable. The corpus is unchanged");
       return [opt, holdouts] {
         std::vector<antispoof::corpus::HoldoutSpec> specs;
         for (const auto& h : *holdouts) specs.push_back(antispoof::corpus::ParseHoldout(h));  // before building
         auto s = antispoof::corpus::BuildCorpus(*opt);
         std::printf("corpus: %d utterances (%d reused), %.2f h of audio, in %s\n", s.files, s.reused,
                     s.audio_hours, opt->out.c_str());
         const char* verdict = opt->size == "tiny" ? "tiny: too few utterances for meaningful figures"
                               : s.shortcuts_ok    ? "every cue within [0.35, 0.65]"
                                                   : "SOME CUES OUTSIDE [0.35, 0.65]";
         std::printf("corpus: shortcut report %s (%s)\n", s.report_path.c_str(), verdict);
         std::printf("corpus: built in %.1f s\n", s.seconds);
         // Generation time by attack (summed over its utterances, so more than wall time with --jobs > 1).
         for (const auto& t : s.timing)
           std::printf("corpus: generated %-3s %-18s %4d utt %8.1f s (%.2f s/utt)\n", t.attack.c_str(),
                       t.generator.c_str(), t.utterances, t.seconds, t.seconds / std::max(1, t.utterances));
         for (const auto& spec : specs) {
           const auto h = antispoof::corpus::WriteHoldout(opt->out, spec);
           std::printf("corpus: holdout %s=%s in %s: train %d+%d, dev %d+%d, eval %d+%d (bona fide+spoof)\n",
                       spec.key.c_str(), spec.value.c_str(), h.root.c_str(), h.splits.at("train").bonafide,
                       h.splits.at("train").spoof, h.splits.at("dev").bonafide, h.splits.at("dev").spoof,
                       h.splits.at("eval").bonafide, h.splits.at("eval").spoof);
           std::printf("corpus: in-domain eval without it: %s (%d+%d, audio in %s)\n", h.eval_seen_protocol.c_str(),
                       h.eval_seen.bonafide, h.eval_seen.spoof, opt->out.c_str());
         }
         return 0;
       };
     },
     20}};

}  // namespace
