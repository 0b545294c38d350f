#include "antispoof/train/trainer.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/hash.h"
#include "antispoof/common/progress.h"
#include "antispoof/common/strings.h"
#include "antispoof/data/layout.h"
#include "antispoof/data/loader.h"
#include "antispoof/metrics/det.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/model/runtime.h"
#include "antispoof/model/weights.h"
#include "antispoof/train/adam.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/train/interrupt.h"
#include "antispoof/train/run_files.h"

namespace antispoof::train {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kTrainLogHeader = "epoch,iteration,loss,running_loss";
constexpr const char* kEpochsHeader = "epoch,train_loss,dev_loss,dev_eer,dev_acc,seconds";

struct Progress {
  int epoch = 0;            // epochs finished
  int64_t iteration = 0;    // optimizer steps taken
  int best_epoch = 0;
  double best_dev_eer = 2.0;  // > any EER
  double train_time_s = 0;
  // A checkpoint written on SIGINT/SIGTERM stands inside epoch `epoch + 1`, after
  // `batch_in_epoch` of its batches (0 = at an epoch boundary).
  int64_t batch_in_epoch = 0;
  double epoch_loss_sum = 0;
  double epoch_seconds = 0;
};

nlohmann::json ProgressJson(const Progress& p) {
  return {{"epoch", p.epoch},
          {"iteration", p.iteration},
          {"best_epoch", p.best_epoch},
          {"best_dev_eer", p.best_dev_eer},
          {"train_time_s", p.train_time_s},
          {"batch_in_epoch", p.batch_in_epoch},
          {"epoch_loss_sum", p.epoch_loss_sum},
          {"epoch_seconds", p.epoch_seconds}};
}

Progress ProgressFrom(const nlohmann::json& j, const std::string& source) {
  try {
    Progress p;
    p.epoch = j.at("epoch").get<int>();
    p.iteration = j.at("iteration").get<int64_t>();
    p.best_epoch = j.at("best_epoch").get<int>();
    p.best_dev_eer = j.at("best_dev_eer").get<double>();
    p.train_time_s = j.at("train_time_s").get<double>();
    p.batch_in_epoch = j.value("batch_in_epoch", int64_t{0});
    p.epoch_loss_sum = j.value("epoch_loss_sum", 0.0);
    p.epoch_seconds = j.value("epoch_seconds", 0.0);
    if (p.batch_in_epoch < 0) FailAt(source, 0, "checkpoint metadata: negative batch_in_epoch");
    return p;
  } catch (const nlohmann::json::exception& e) {
    FailAt(source, 0, std::string("checkpoint metadata lacks the training progress: ") + e.what());
  }
}

data::Dataset LoadSplit(const TrainOptions& o, data::Split split) {
  const std::string protocol_path = data::FindProtocol(o.data_root, split);
  data::Protocol protocol = data::ReadProtocol(protocol_path);
  if (!protocol.has_keys)
    FailAt(protocol_path, 0, "has no keys (bonafide/spoof): a trial list cannot train or select a model");
  data::DatasetOptions dopt;
  dopt.split = split;
  dopt.skip_missing = o.skip_missing;
  data::Dataset ds = data::BuildDataset(protocol, o.data_root, dopt);
  int64_t bona = 0, spoof = 0;
  for (const auto& it : ds.items) (it.label == 1 ? bona : spoof)++;
  if (ds.items.empty()) FailAt(protocol_path, 0, "the " + data::SplitName(split) + " split is empty");
  if (bona == 0) FailAt(protocol_path, 0, "no bona fide trials in the " + data::SplitName(split) + " split");
  if (spoof == 0) FailAt(protocol_path, 0, "no spoof trials in the " + data::SplitName(split) + " split");
  std::fprintf(stderr, "%s: %lld utterances (%lld bona fide, %lld spoof) from %s\n",
               data::SplitName(split).c_str(), static_cast<long long>(ds.items.size()),
               static_cast<long long>(bona), static_cast<long long>(spoof), protocol_path.c_str());
  return ds;
}

std::vector<data::Item> Subset(std::vector<data::Item> items, int max_items, long seed) {
  if (max_items <= 0 || static_cast<size_t>(max_items) >= items.size()) return items;
  auto perm = data::EpochPermutation(static_cast<int64_t>(items.size()), static_cast<uint64_t>(seed), -1);
  perm.resize(max_items);
  std::sort(perm.begin(), perm.end());
  std::vector<data::Item> out;
  for (auto i : perm) out.push_back(items[i]);
  return out;
}

// Front-end features of every item ([N, ...], float32, CPU): the fixed front end has no
// parameters, so these are exactly what every epoch would recompute.
torch::Tensor PrecomputeFrontEnd(model::CountermeasureImpl& net, const std::vector<data::Item>& items,
                                 const data::LoaderOptions& base, const torch::Device& device) {
  data::LoaderOptions lo = base;
  lo.shuffle = false;
  lo.drop_last = false;
  lo.rank = 0;
  lo.world_size = 1;
  data::BatchLoader loader(items, lo);
  torch::NoGradGuard no_grad;
  torch::Tensor cache;
  ProgressBar bar("front end cache", static_cast<int64_t>(items.size()), "utt");
  loader.StartEpoch(0);
  int64_t row = 0;
  while (auto batch = loader.Next()) {
    torch::Tensor f = net.FrontEnd(batch->audio.to(device)).to(torch::kCPU);
    if (!cache.defined()) {
      std::vector<int64_t> shape = f.sizes().vec();
      shape[0] = static_cast<int64_t>(items.size());
      cache = torch::empty(shape);
    }
    cache.narrow(0, row, f.size(0)).copy_(f);
    row += f.size(0);
    bar.Add(f.size(0));
  }
  return cache;
}

std::string Num(double v) { return Format("%.9g", v); }

// The global RNG (dropout, AASIST's frequency masking) before micro-batch `index` of optimizer step
// `step`: a pure function of the seed, so a resumed run draws what the uninterrupted one drew, and
// micro-batch index = rank + world_size * m draws the same whatever the ranks x micro-batches split.
void SeedMicroBatch(long seed, int64_t step, int index) {
  torch::manual_seed(SplitMix64(SplitMix64(static_cast<uint64_t>(seed) ^ SplitMix64(static_cast<uint64_t>(step))) ^
                                static_cast<uint64_t>(index)));
}

nlohmann::json SummaryJson(const Progress& progress, const Config& config, int64_t parameters,
                           const std::string& model_name) {
  return {{"best_epoch", progress.best_epoch},
          {"best_dev_eer", progress.best_dev_eer},
          {"epochs_done", progress.epoch},
          {"total_train_time_s", progress.train_time_s},
          {"parameters", parameters},
          {"seed", config.train.seed},
          {"model_name", model_name}};
}

}  // namespace

torch::Tensor WeightedCrossEntropy(const torch::Tensor& log_probs, const torch::Tensor& labels,
                                   const torch::Tensor& class_weights) {
  return torch::nll_loss(log_probs, labels, class_weights);
}

nlohmann::json Train(const TrainOptions& o) {
  const Config& config = o.config;
  const TrainConfig& tc = config.train;
  namespace fs = std::filesystem;
  const std::string dir = o.out_dir;
  const std::string last_path = dir + "/last.pth", best_path = dir + "/best.pth";
  const std::string train_log = dir + "/train_log.csv", epochs_csv = dir + "/epochs.csv";

  // Rank 0 writes the run directory; every rank reads it (--resume).
  const bool writer = o.dist.rank == 0;
  if (writer) MakeDirs(dir);
  const bool has_last = FileExists(last_path);
  if (!o.resume && (has_last || FileExists(epochs_csv)))
    FailAt(dir, 0, "already holds a run: pass --resume to continue it, or choose another --out");
  if (o.resume && !has_last && FileExists(epochs_csv))
    FailAt(dir, 0, "has logs but no last.pth to resume from");
  if (o.resume && FileExists(dir + "/config.yaml")) {
    // Re-emitted, so that a config.yaml written before a key existed compares with its default.
    std::string saved = ToYaml(ParseConfig(ReadFile(dir + "/config.yaml"), dir + "/config.yaml"));
    if (saved != ToYaml(config))
      FailAt(dir + "/config.yaml", 0,
             "the run was started with another config; resume with the same config and flags");
  }

  if (o.resume && writer) RemoveStaleTempFiles(dir);  // left by a kill while a checkpoint was written
  const int threads = model::ConfigureThreads(ThreadsForRank(tc.threads, o.dist));
  const torch::Device device = model::ParseDevice(DeviceForRank(tc.device, o.dist));
  // One step's batch_size items are split over world_size ranks x grad_accum micro-batches.
  const int micro_batches = o.dist.world_size * tc.grad_accum;
  if (tc.batch_size % micro_batches != 0)
    Fail(Format("batch_size %d does not split over world size %d x grad_accum %d micro-batches: make it a "
                "multiple of %d", tc.batch_size, o.dist.world_size, tc.grad_accum, micro_batches));
  const int64_t rank_batch = tc.batch_size / o.dist.world_size;

  // Data first: a config/data mismatch stops before anything is written or trained.
  data::Dataset train_ds = LoadSplit(o, data::Split::kTrain);
  data::Dataset dev_ds = LoadSplit(o, data::Split::kDev);
  std::vector<data::Item> train_items = Subset(train_ds.items, tc.max_train_items, tc.seed);

  std::unique_ptr<Distributed> dist = Distributed::Create(o.dist, device);
  if (writer) WriteFileAtomic(dir + "/config.yaml", ToYaml(config));
  nlohmann::json run = {{"seed", tc.seed},
                        {"command", o.command_line},
                        {"versions", Versions()},
                        {"device", tc.device},
                        {"threads", threads},
                        {"data_root", fs::absolute(o.data_root).lexically_normal().string()},
                        {"train_items", train_items.size()},
                        {"dev_items", dev_ds.items.size()},
                        {"world_size", dist->world_size()},
                        {"dist_backend", dist->backend()}};
  if (writer && (!o.resume || !FileExists(dir + "/run.json"))) WriteJson(dir + "/run.json", run);

  torch::manual_seed(static_cast<uint64_t>(tc.seed));
  model::Countermeasure net = model::CreateModel(config.model);
  net->to(device);
  if (tc.cache_front_end && !net->HasFixedFrontEnd())
    FailAt(config.source, 0, "cache_front_end: " + net->Name() +
                                 " has no fixed front end in this configuration (freq_aug changes it every step)");
  Adam adam(net->NamedTrainableParameters(), {tc.lr, tc.betas[0], tc.betas[1], tc.eps, tc.weight_decay});

  Progress progress;
  if (o.resume && has_last) {
    pth::Checkpoint ckpt = pth::ReadCheckpoint(last_path);
    model::LoadStateDict(*net, ckpt.tensors, last_path);
    adam.LoadState(ckpt.extra_tensors, last_path);
    nlohmann::json meta = nlohmann::json::parse(ckpt.metadata_json, nullptr, false);
    if (meta.is_discarded()) FailAt(last_path, 0, "checkpoint metadata is not valid JSON");
    progress = ProgressFrom(meta.value("progress", nlohmann::json::object()), last_path);
    std::fprintf(stderr, "resuming %s after epoch %d (iteration %lld)\n", dir.c_str(), progress.epoch,
                 static_cast<long long>(progress.iteration));
    if (progress.batch_in_epoch > 0)
      std::fprintf(stderr, "continuing epoch %d at batch %lld\n", progress.epoch + 1,
                   static_cast<long long>(progress.batch_in_epoch + 1));
  }
  // Every rank starts from rank 0's state, and from the same checkpoint.
  dist->CheckSame({static_cast<double>(progress.epoch), static_cast<double>(progress.iteration),
                   static_cast<double>(progress.batch_in_epoch)},
                  "the epoch and iteration resumed from (every rank reads " + last_path +
                      ": a shared file system, or a copy on every host)");
  BroadcastModel(*dist, *net, false);
  if (writer) {
    TruncateCsvToIteration(train_log, progress.iteration);
    TruncateCsvToEpoch(epochs_csv, progress.epoch);
  }

  data::LoaderOptions lo;
  lo.batch_size = rank_batch;
  lo.shuffle = true;
  lo.seed = static_cast<uint64_t>(tc.seed);
  lo.drop_last = true;
  lo.num_workers = tc.num_workers;
  lo.nb_samp = config.model.nb_samp;
  lo.decode = o.decode;
  lo.rank = dist->rank();
  lo.world_size = dist->world_size();
  data::BatchLoader train_loader(train_items, lo);
  if (train_loader.NumBatches() == 0)
    Fail(Format("the training split has %zu utterances, fewer than one batch of %d (the last partial "
                "batch is dropped as in the reference)", train_items.size(), tc.batch_size));
  data::LoaderOptions dev_lo = lo;
  dev_lo.batch_size = tc.batch_size;
  dev_lo.shuffle = false;
  dev_lo.drop_last = false;
  data::BatchLoader dev_loader(dev_ds.items, dev_lo);

  torch::Tensor cache;
  if (tc.cache_front_end) cache = PrecomputeFrontEnd(*net, train_items, lo, device);
  torch::Tensor class_weights =
      torch::tensor({tc.class_weights[0], tc.class_weights[1]}, torch::kFloat32).to(device);
  const char* kill_env = std::getenv(kKillHookEnv);
  const char* kill_rank_env = std::getenv(kKillRankEnv);
  const int64_t kill_at =
      kill_env && (!kill_rank_env || std::atoi(kill_rank_env) == dist->rank()) ? std::atoll(kill_env) : -1;
  std::vector<torch::Tensor> trainable;
  for (const auto& [name, p] : net->NamedTrainableParameters()) trainable.push_back(p);
  FirstMicroBatchBuffers bn_buffers(*net);
  int64_t parameters = 0;
  for (const auto& p : net->parameters()) parameters += p.numel();
  nlohmann::json summary;

  const int64_t batches = train_loader.NumBatches();
  if (progress.batch_in_epoch >= batches)
    FailAt(last_path, 0, Format("checkpoint stands at batch %lld of an epoch of %lld batches",
                                static_cast<long long>(progress.batch_in_epoch), static_cast<long long>(batches)));
  nlohmann::json meta_base = {{"format", "antispoof-checkpoint-1"},
                              {"config_yaml", ToYaml(config)},
                              {"seed", tc.seed},
                              {"versions", Versions()}};
  auto save_last = [&](const Progress& p) {
    nlohmann::json meta = meta_base;
    meta["progress"] = ProgressJson(p);
    pth::Checkpoint last;
    last.tensors = model::StateDictOf(*net);
    last.extra_tensors = adam.State();
    last.metadata_json = meta.dump();
    pth::WriteCheckpoint(last_path, last);
  };
  // The pending interrupt, agreed over the ranks: every rank stops at the same point when any of them
  // was interrupted (SIGINT for the ranks that were not).
  auto agreed_interrupt = [&](const std::string& where) {
    int signal = PendingInterrupt();
    if (o.dist.world_size > 1 &&
        dist->AllReduceSum(signal != 0 ? 1.0 : 0.0, "checking for an interrupt " + where) > 0 && signal == 0)
      signal = SIGINT;
    return signal;
  };
  auto interrupted = [&](int signal, const std::string& where) {
    std::string resume = o.command_line;
    if (resume.find(" --resume") == std::string::npos) resume += " --resume";
    return Interrupted(Format("interrupted by %s %s: saved %s; continue with:\n  %s", SignalName(signal),
                              where.c_str(), last_path.c_str(), resume.c_str()),
                       128 + signal);
  };
  InterruptGuard interrupt_guard;
  for (int epoch = progress.epoch + 1; epoch <= tc.num_epochs; ++epoch) {
    const int64_t first_batch = progress.batch_in_epoch;
    const auto t0 = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(progress.epoch_seconds));
    net->train();
    double loss_sum = progress.epoch_loss_sum;
    int64_t n_batches = first_batch;
    progress.batch_in_epoch = 0;
    progress.epoch_loss_sum = 0;
    progress.epoch_seconds = 0;
    ProgressBar bar(Format("epoch %d/%d", epoch, tc.num_epochs), batches * rank_batch, "utt");
    if (first_batch > 0) bar.Add(first_batch * rank_batch);
    // The data order of epoch e is a pure function of (seed, e): a resumed run sees the same.
    std::vector<int64_t> order;
    if (cache.defined()) {
      order = train_loader.EpochOrder(epoch);
    } else {
      train_loader.StartEpoch(epoch, first_batch);
    }
    for (int64_t b = first_batch; b < batches; ++b) {
      torch::Tensor inputs, labels;
      if (cache.defined()) {
        auto idx = torch::from_blob(order.data() + b * rank_batch, {rank_batch}, torch::kInt64).clone();
        labels = torch::empty({rank_batch}, torch::kInt64);
        for (int64_t i = 0; i < rank_batch; ++i) labels[i] = train_items[order[b * rank_batch + i]].label;
        inputs = cache.index_select(0, idx);
      } else {
        auto batch = train_loader.Next();
        if (!batch) Fail("internal: the loader ended early");
        labels = batch->labels;
        inputs = batch->audio;
      }
      // The step's loss is the mean of its micro-batches' losses over ranks (docs/distributed.md).
      adam.ZeroGrad();
      double loss_value = 0;
      for (int m = 0; m < tc.grad_accum; ++m) {
        torch::Tensor x = MicroBatch(inputs, m, tc.grad_accum).to(device);
        SeedMicroBatch(tc.seed, progress.iteration + 1, dist->rank() + dist->world_size() * m);
        torch::Tensor log_probs =
            net->LogProbabilities(cache.defined() ? net->ForwardFromFrontEnd(x) : net->forward(x));
        torch::Tensor loss =
            WeightedCrossEntropy(log_probs, MicroBatch(labels, m, tc.grad_accum).to(device), class_weights);
        loss_value += loss.item<double>();
        loss.backward();
        // After backward: the graph holds the running statistics it was built with.
        if (tc.grad_accum > 1) m == 0 ? bn_buffers.Keep() : bn_buffers.Restore();
      }
      const std::string step_name = Format("iteration %lld", static_cast<long long>(progress.iteration + 1));
      loss_value = dist->AllReduceSum(loss_value, "summing the loss of " + step_name) / micro_batches;
      if (!std::isfinite(loss_value))
        Fail(Format("non-finite training loss (%g) at epoch %d, iteration %lld: stopping; %s keeps the "
                    "last good epoch (%d)", loss_value, epoch, static_cast<long long>(progress.iteration + 1),
                    last_path.c_str(), progress.epoch));
      std::vector<torch::Tensor> grads;
      for (const auto& p : trainable)
        if (p.grad().defined()) grads.push_back(p.grad());
      dist->AllReduceMean(grads, micro_batches, "averaging the gradients of " + step_name);
      adam.set_lr(tc.LearningRate(progress.iteration + 1, batches * tc.num_epochs));
      adam.Step();
      ++progress.iteration;
      ++n_batches;
      loss_sum += loss_value;
      if (writer && progress.iteration % tc.log_every == 0)
        AppendCsvRow(train_log, kTrainLogHeader,
                     Format("%d,%lld,%s,%s", epoch, static_cast<long long>(progress.iteration),
                            Num(loss_value).c_str(), Num(loss_sum / n_batches).c_str()));
      bar.SetPostfix(Format("loss %.4f", loss_sum / n_batches));
      bar.Add(rank_batch);
      if (progress.iteration == kill_at)
        ::kill(::getpid(), std::getenv(kKillSignalEnv) ? std::atoi(std::getenv(kKillSignalEnv)) : SIGKILL);
      const int signal = agreed_interrupt("after " + step_name);
      if (signal != 0 && b + 1 < batches) {
        bar.Finish();
        Progress mid = progress;
        mid.batch_in_epoch = b + 1;
        mid.epoch_loss_sum = loss_sum;
        mid.epoch_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (writer) save_last(mid);
        throw interrupted(signal, Format("in epoch %d after batch %lld of %lld (iteration %lld)", epoch,
                                         static_cast<long long>(b + 1), static_cast<long long>(batches),
                                         static_cast<long long>(progress.iteration)));
      }
    }
    bar.Finish();
    const double train_loss = loss_sum / n_batches;

    // Rank 0's BatchNorm statistics on every rank, then each scores its shard of dev.
    BroadcastModel(*dist, *net, true);
    infer::ScoringResult dev = ScoreSharded(*dist, *net, dev_loader, device, "dev", tc.class_weights);
    std::vector<double> bona, spoof;
    for (const auto& it : dev.items) (it.label == 1 ? bona : spoof).push_back(it.score);
    const double dev_eer = metrics::ComputeEer(bona, spoof).eer;
    const double dev_acc = infer::Accuracy(dev.items);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    progress.train_time_s += seconds;
    progress.epoch = epoch;
    dist->CheckSame({train_loss, dev.weighted_loss, dev_eer, dev_acc}, Format("the metrics of epoch %d", epoch));
    if (dev_eer < progress.best_dev_eer) {
      progress.best_dev_eer = dev_eer;
      progress.best_epoch = epoch;
    }
    summary = SummaryJson(progress, config, parameters, net->Name());
    const int end_signal = agreed_interrupt(Format("after epoch %d", epoch));
    const bool stop_now = end_signal != 0 && epoch < tc.num_epochs;
    if (!writer) {
      if (stop_now) throw interrupted(end_signal, Format("at the end of epoch %d", epoch));
      continue;
    }
    AppendCsvRow(epochs_csv, kEpochsHeader,
                 Format("%d,%s,%s,%s,%s,%.3f", epoch, Num(train_loss).c_str(), Num(dev.weighted_loss).c_str(),
                        Num(dev_eer).c_str(), Num(dev_acc).c_str(), seconds));
    std::fprintf(stderr, "epoch %d: train loss %.4f, dev loss %.4f, dev EER %.2f %%, dev acc %.2f %% (%s)\n",
                 epoch, train_loss, dev.weighted_loss, 100 * dev_eer, 100 * dev_acc,
                 FormatDuration(seconds).c_str());

    nlohmann::json meta = meta_base;
    if (progress.best_epoch == epoch) {
      meta["progress"] = ProgressJson(progress);
      model::SaveWeights(*net, best_path, meta.dump());
    }
    save_last(progress);

    WriteJson(dir + "/summary.json", summary);
    if (stop_now) throw interrupted(end_signal, Format("at the end of epoch %d", epoch));
  }
  dist->Barrier("finishing (rank 0 writes the last files)");
  if (writer || summary.is_null()) return ReadJson(dir + "/summary.json");
  return summary;
}

}  // namespace antispoof::train
