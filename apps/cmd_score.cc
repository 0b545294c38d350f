// antispoof score: UTT SCORE lines (the model's bona fide output: log P(bona fide) for RawNet2, the
// bona fide logit for AASIST; higher = more bona fide) for files, folders or a protocol.
// Three ways to look at the audio:
//   - the reference length rule (default): the first nb_samp samples of each file, shorter files
//     tiled; published results are computed this way;
//   - windows (--window/--hop/--aggregate/--segments): every file of any length in overlapping
//     windows, batched, aggregated into one score per file, optionally with a timeline of windows;
//   - a stream (--stream): raw 16-bit PCM or WAV on stdin, one START END SCORE line per window as
//     soon as it is complete.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "antispoof/audio/pcm_stream.h"
#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/config/config.h"
#include "antispoof/data/layout.h"
#include "antispoof/data/protocol.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/infer/windowed_scoring.h"
#include "antispoof/metrics/calibration.h"
#include "antispoof/model/runtime.h"
#include "command.h"

namespace {
namespace infer = antispoof::infer;
using antispoof::Error;

struct ScoreArgs {
  std::string config, checkpoint, protocol, data_root, device = "cpu", layout = "auto";
  std::vector<std::string> paths;
  std::vector<antispoof::KeyFlag> key_flags;  // --precision
  int batch_size = 32, threads = 0;
  bool json = false, skip_missing = false, stream = false;
  antispoof::audio::DecodeOptions decode;
  double window = 0, hop = 0;
  std::string aggregate = "mean", segments;
  CLI::Option *window_flag = nullptr, *hop_flag = nullptr, *aggregate_flag = nullptr;

  std::string calibration_path;
  // The calibration (read before the model loads) and --threshold: what is printed and decided.
  antispoof::metrics::ScoreDecisionRule rule;
  bool Windowed() const {
    return stream || window_flag->count() > 0 || hop_flag->count() > 0 || aggregate_flag->count() > 0 ||
           !segments.empty();
  }
  std::optional<double> WindowSeconds() const { return window_flag->count() ? std::optional(window) : std::nullopt; }
  std::optional<double> HopSeconds() const { return hop_flag->count() ? std::optional(hop) : std::nullopt; }
};

constexpr double kDefaultMaxAudioSeconds = 4 * 3600;  // the longest file windows read whole

constexpr const char* kWindowHelp =
    "Score each file in overlapping windows of SECONDS and print one aggregated score per file (default "
    "when --hop, --aggregate, --segments or --stream is given: the model's input length, nb_samp / "
    "sample_rate). Windows start every --hop seconds; when that grid stops short of the end of a file, one "
    "more window is aligned to end at the file's end (it overlaps the one before it more). No window is "
    "padded and no audio repeated, except that a file shorter than one window is tiled to one window (the "
    "reference rule). All windows go through the model in batches of --batch-size. Without any of these "
    "flags: the reference rule (the first nb_samp samples; shorter files tiled and cut)";

std::vector<antispoof::data::Item> CollectItems(const ScoreArgs& a) {
  std::vector<antispoof::data::Item> items;
  if (!a.protocol.empty() || !a.data_root.empty()) {
    if (a.data_root.empty()) throw Error("--protocol needs --data-root");
    antispoof::data::DatasetOptions dopt;
    dopt.skip_missing = a.skip_missing;
    items = antispoof::data::ReadLayoutDataset(antispoof::data::ParseLayout(a.layout), a.data_root, a.protocol, dopt)
                .dataset.items;
  }
  if (!a.paths.empty()) {
    auto more = infer::ItemsFromPaths(a.paths);
    items.insert(items.end(), more.begin(), more.end());
  }
  if (items.empty()) throw Error("nothing to score: give files, folders, --protocol or --data-root");
  return items;
}

// UTT SCORE [DECISION] lines, or a JSON array of {utt, score[, decision][, windows]} (windows < 0: none).
void PrintScores(const ScoreArgs& a, const std::vector<std::string>& utts, const std::vector<double>& scores,
                 const std::vector<long>& windows) {
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < utts.size(); ++i) {
      nlohmann::json j = {{"utt", utts[i]}, {"score", scores[i]}};
      if (a.rule.calibration) j["llr"] = a.rule.Value(scores[i]);
      if (a.rule.Decides()) j["decision"] = a.rule.Decision(a.rule.Value(scores[i]));
      if (!windows.empty()) j["windows"] = windows[i];
      out.push_back(j);
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  for (size_t i = 0; i < utts.size(); ++i) {
    const double value = a.rule.Value(scores[i]);
    if (a.rule.Decides())
      std::printf("%s %.6f %s\n", utts[i].c_str(), value, a.rule.Decision(value));
    else
      std::printf("%s %.6f\n", utts[i].c_str(), value);
  }
}

// The timeline: PATH holds "UTT START END SCORE" lines (seconds), PATH.json the same windows with the
// settings and each file's aggregate.
void WriteSegments(const std::string& path, const std::vector<infer::WindowedItem>& items,
                   const infer::WindowSpec& spec, infer::Aggregate aggregate, int rate) {
  using antispoof::ShortestDouble;
  auto seconds = [rate](int64_t samples) { return static_cast<double>(samples) / rate; };
  std::string text;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& item : items) {
    nlohmann::json segments = nlohmann::json::array();
    for (const auto& w : item.windows) {
      text += item.utt + " " + ShortestDouble(seconds(w.window.start)) + " " + ShortestDouble(seconds(w.window.end)) +
              antispoof::Format(" %.6f\n", w.score);
      segments.push_back({{"start", seconds(w.window.start)}, {"end", seconds(w.window.end)}, {"score", w.score}});
    }
    files.push_back({{"utt", item.utt}, {"duration", seconds(item.samples)}, {"score", item.score},
                     {"segments", segments}});
  }
  nlohmann::json doc = {{"sample_rate", rate},           {"window", seconds(spec.window)},
                        {"hop", seconds(spec.hop)},      {"aggregate", infer::AggregateName(aggregate)},
                        {"units", "seconds"},            {"files", files}};
  antispoof::WriteFileAtomic(path, text);
  antispoof::WriteFileAtomic(path + ".json", doc.dump(2) + "\n");
}

int RunReference(const ScoreArgs& a, antispoof::model::CountermeasureImpl& net) {
  infer::ScoreOptions o;
  o.batch_size = a.batch_size;
  o.decode = a.decode;
  o.items = CollectItems(a);
  std::vector<std::string> utts;
  std::vector<double> scores;
  for (const auto& s : infer::ScoreItems(net, o)) {
    utts.push_back(s.utt);
    scores.push_back(s.score);
  }
  PrintScores(a, utts, scores, {});
  return 0;
}

int RunWindowed(const ScoreArgs& a, antispoof::model::CountermeasureImpl& net, const infer::WindowSpec& spec,
                infer::Aggregate aggregate) {
  infer::WindowedOptions o;
  o.items = CollectItems(a);
  o.decode = a.decode;
  o.spec = spec;
  o.aggregate = aggregate;
  o.batch_size = a.batch_size;
  const auto scored = infer::ScoreItemsWindowed(net, o);
  std::vector<std::string> utts;
  std::vector<double> scores;
  std::vector<long> windows;
  for (const auto& s : scored) {
    utts.push_back(s.utt);
    scores.push_back(s.score);
    windows.push_back(static_cast<long>(s.windows.size()));
  }
  if (!a.segments.empty()) WriteSegments(a.segments, scored, spec, aggregate, net.config().sample_rate);
  PrintScores(a, utts, scores, a.json ? windows : std::vector<long>{});
  return 0;
}

void CheckStreamArgs(const ScoreArgs& a) {
  if (!a.paths.empty() || !a.protocol.empty()) throw Error("--stream reads stdin: give no files, folders or --protocol");
  if (!a.segments.empty()) throw Error("--segments is for files; --stream prints each window on stdout");
  if (a.json) throw Error("--json is for files; --stream prints START END SCORE lines");
  if (a.decode.resample || a.decode.mixdown)
    throw Error("--resample and --mixdown are for files; --stream takes 16-bit mono PCM at the model's rate");
}

// stdin -> "START END SCORE [DECISION]" per window, flushed; latency and the aggregate on stderr.
int RunStream(const ScoreArgs& a, antispoof::model::CountermeasureImpl& net, const infer::WindowSpec& spec,
              infer::Aggregate aggregate) {
  const int rate = net.config().sample_rate;
  antispoof::audio::PcmStreamReader reader(
      [](char* buffer, size_t size) {
        const size_t got = std::fread(buffer, 1, size, stdin);
        if (got < size && std::ferror(stdin)) throw Error("stdin: read error");
        return got;
      },
      "stdin", rate);
  std::vector<double> scores;
  const auto summary = infer::ScoreStream(net, reader, spec, [&](const infer::Window& w, double score) {
    const std::string start = antispoof::ShortestDouble(static_cast<double>(w.start) / rate);
    const std::string end = antispoof::ShortestDouble(static_cast<double>(w.end) / rate);
    const double value = a.rule.Value(score);
    if (a.rule.Decides())
      std::printf("%s %s %.6f %s\n", start.c_str(), end.c_str(), value, a.rule.Decision(value));
    else
      std::printf("%s %s %.6f\n", start.c_str(), end.c_str(), value);
    std::fflush(stdout);
    scores.push_back(score);
  });
  if (summary.samples == 0) throw Error("stdin: no audio: the stream ended before its first sample");
  std::vector<double> latency = summary.latency_ms;
  std::sort(latency.begin(), latency.end());
  const size_t p99 = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(latency.size()))) - 1;
  std::fprintf(stderr,
               "stream: %zu windows over %s s of audio (%s aggregate %.6f); latency from a window's last sample "
               "read to its printed line: median %.2f ms, p99 %.2f ms\n",
               scores.size(), antispoof::ShortestDouble(static_cast<double>(summary.samples) / rate).c_str(),
               infer::AggregateName(aggregate).c_str(), infer::AggregateScores(scores, aggregate),
               infer::AggregateScores(latency, infer::Aggregate::kMedian), latency[p99]);
  return 0;
}

antispoof::cli::Registration reg{{"score", "Score audio files, folders or a protocol with a checkpoint",
                                  [](CLI::App& sub) {
  auto a = std::make_shared<ScoreArgs>();
  sub.add_option("-c,--config", a->config, "YAML config of the checkpoint's model")->required();
  sub.add_option("--checkpoint", a->checkpoint, ".pth weights (antispoof's or the reference's)")->required();
  sub.add_option("paths", a->paths, "Audio files and/or folders");
  sub.add_option("--protocol", a->protocol, "Score the utterances of a protocol (with --data-root)");
  sub.add_option("--data-root", a->data_root,
                 "Where the protocol's audio is (a dataset layout, see --layout, or a flat folder); without "
                 "--protocol: a layout whose protocol is found under it (itw, folder, la2021/df2021 keys)");
  sub.add_option("--layout", a->layout,
                 "Dataset layout of --data-root/--protocol: auto (default: from the protocol's columns and the "
                 "folders present), la2019, la2021, df2021, asvspoof5, itw (In-the-Wild meta.csv) or folder "
                 "(bonafide/ and spoof/ subfolders)");
  sub.add_option("--threshold", a->rule.threshold,
                 "Add a decision column: bonafide if SCORE > T, else spoof (RawNet2's argmax: -0.6931, "
                 "log 1/2; AASIST's scores are logits: 0 is a neutral choice)");
  sub.add_option("--batch-size", a->batch_size, "Utterances per batch (with windows: windows per batch)");
  sub.add_option("--threads", a->threads, "Intra-op threads (0 = all cores; more than the cores: lowered to them)")
      ->check(CLI::Range(0, 1 << 20));
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N");
  antispoof::cli::AddKeyFlag(sub, a->key_flags, "--precision", "precision",
                             "fp32 (exact), bf16 or int8 (default: the config's precision)");
  sub.add_option("--calibration", a->calibration_path,
                 "Calibration file from `antispoof calibrate`: print log-likelihood ratios (natural log, "
                 "bona fide vs spoof) and a decision at its threshold (Bayes, or its target rate) unless "
                 "--threshold is given (then on the LLR)");
  sub.add_flag("--json", a->json, "Print a JSON array of {utt, score[, llr][, decision][, windows]}");
  a->window_flag = sub.add_option("--window", a->window, kWindowHelp);
  a->hop_flag = sub.add_option("--hop", a->hop, "Seconds between window starts, at most --window (default: half "
                                               "the window, rounded down to a whole sample)");
  a->aggregate_flag = sub.add_option("--aggregate", a->aggregate,
                                     "How window scores become a file's score: mean (default), min, max or median "
                                     "(of an even count: the mean of the middle two)");
  sub.add_option("--segments", a->segments,
                 "Also write every window as a timeline: PATH gets lines UTT START END SCORE (seconds), "
                 "PATH.json the same as {sample_rate, window, hop, aggregate, files: [{utt, duration, score, "
                 "segments: [{start, end, score}]}]}");
  sub.add_flag("--stream", a->stream,
               "Read 16 kHz 16-bit little-endian mono PCM, raw or as a WAV stream (a RIFF header is detected), "
               "from stdin and print START END SCORE (seconds) for every window (--window/--hop, the same "
               "windows as for a file) as soon as it is complete; at the end, the latency from each window's last "
               "sample read to its printed line (median, p99) and the --aggregate of the scores on stderr");
  a->decode.max_seconds = kDefaultMaxAudioSeconds;
  sub.add_option("--max-audio-seconds", a->decode.max_seconds,
                 "With windows (--window/--hop/--aggregate/--segments): the longest file read, in seconds (each "
                 "file is held whole while its windows are cut: 4 h at 16 kHz are 0.9 GB); a longer file is an "
                 "error naming it. The default mode reads only each file's first nb_samp samples, whatever its "
                 "length")
      ->capture_default_str();
  antispoof::cli::AddAudioInputFlags(sub, a->decode, a->skip_missing);
  return std::function<int()>([a] {
    a->rule.Validate("--threshold");
    antispoof::RequireFinite(a->decode.max_seconds, "--max-audio-seconds");
    if (!(a->decode.max_seconds > 0)) throw Error("--max-audio-seconds: must be positive");
    antispoof::Config config = antispoof::LoadConfig(a->config);
    antispoof::ApplyKeyFlags(config, a->key_flags);
    if (a->batch_size < 1) throw Error("--batch-size: must be at least 1");
    antispoof::data::ParseLayout(a->layout);  // an unknown --layout fails before the model loads
    std::optional<infer::WindowSpec> spec;
    const infer::Aggregate aggregate = infer::ParseAggregate(a->aggregate, "--aggregate");
    if (a->Windowed()) {  // every flag is checked before the model loads
      spec = infer::ResolveWindowSpec(a->WindowSeconds(), a->HopSeconds(), config.model.nb_samp,
                                      config.model.sample_rate);
      infer::CheckWindowFitsModel(config.model, spec->window, "--window");
    }
    if (a->stream) CheckStreamArgs(*a);
    if (!a->calibration_path.empty()) a->rule.calibration = antispoof::metrics::ReadCalibration(a->calibration_path);
    antispoof::model::ConfigureThreads(a->threads);
    auto net = infer::LoadModel(config.model, a->checkpoint, antispoof::model::ParseDevice(a->device),
                                config.train.precision);
    if (a->stream) return RunStream(*a, *net, *spec, aggregate);
    if (spec) return RunWindowed(*a, *net, *spec, aggregate);
    return RunReference(*a, *net);
  });
}, 25}};
}  // namespace
