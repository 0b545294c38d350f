#include "antispoof/train/trainer.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "antispoof/augment/augment.h"
#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/hash.h"
#include "antispoof/common/progress.h"
#include "antispoof/common/strings.h"
#include "antispoof/data/layout.h"
#include "antispoof/data/loader.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/metrics/det.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/model/runtime.h"
#include "antispoof/model/weights.h"
#include "antispoof/rundir/run_directory.h"
#include "antispoof/optim/adam.h"
#include "antispoof/optim/loss.h"
#include "antispoof/train/fault_hooks.h"
#include "antispoof/train/interrupt.h"

namespace antispoof::train {
namespace {

using Clock = std::chrono::steady_clock;

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

// The keys whose lines differ between two "key: value" texts (ToYaml's layout; indented lines are
// model keys), each as "KEY (A on rank 0, B there)".
std::vector<std::string> DifferingYamlKeys(const std::string& a, const std::string& b) {
  auto parse = [](const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const bool nested = StartsWith(line, "  ");
      const std::string key = (nested ? "model." : "") + Trim(line.substr(0, colon));
      out.emplace_back(key, Trim(line.substr(colon + 1)));
    }
    return out;
  };
  const auto pa = parse(a), pb = parse(b);
  auto find = [](const std::vector<std::pair<std::string, std::string>>& kv, const std::string& key) {
    for (const auto& [k, v] : kv)
      if (k == key) return v;
    return std::string("(absent)");
  };
  std::vector<std::string> keys;
  for (const auto* list : {&pa, &pb})
    for (const auto& [k, v] : *list) {
      const std::string va = find(pa, k), vb = find(pb, k);
      if (va == vb || k == "model") continue;
      const std::string entry = k + " (" + va + " on rank 0, " + vb + " there)";
      if (std::find(keys.begin(), keys.end(), entry) == keys.end()) keys.push_back(entry);
    }
  if (keys.empty()) keys.push_back("the order of the keys");
  return keys;
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
  for (const auto& it : ds.items) (it.label == TrialKey::kBonafide ? bona : spoof)++;
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

// The global RNG (dropout, AASIST's frequency masking) before micro-batch `index` of optimizer step
// `step`: a pure function of the seed, so a resumed run draws what the uninterrupted one drew, and
// micro-batch index = rank + world_size * m draws the same whatever the ranks x micro-batches split.
void SeedMicroBatch(long seed, int64_t step, int index) {
  torch::manual_seed(SplitMix64(SplitMix64(static_cast<uint64_t>(seed) ^ SplitMix64(static_cast<uint64_t>(step))) ^
                                static_cast<uint64_t>(index)));
}

// One epoch's batches for this rank: decoded audio from the loader, or rows of the cached front-end
// features. Either way the order of epoch e is a pure function of (seed, e), so a resumed run sees
// the batches the uninterrupted one saw.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual void StartEpoch(int epoch, int64_t first_batch) = 0;
  // Batch b of the epoch, called for b = first_batch, first_batch + 1, ...: {inputs, labels}.
  virtual std::pair<torch::Tensor, torch::Tensor> Next(int64_t b) = 0;
  // Inputs are front-end features (the model's ForwardFromFrontEnd) rather than samples.
  virtual bool features() const = 0;
};

class LoaderBatches final : public BatchSource {
 public:
  explicit LoaderBatches(data::BatchLoader& loader) : loader_(loader) {}
  void StartEpoch(int epoch, int64_t first_batch) override { loader_.StartEpoch(epoch, first_batch); }
  std::pair<torch::Tensor, torch::Tensor> Next(int64_t) override {
    auto batch = loader_.Next();
    if (!batch) Fail("internal: the loader ended early");
    return {batch->audio, batch->labels};
  }
  bool features() const override { return false; }

 private:
  data::BatchLoader& loader_;
};

class CachedFeatureBatches final : public BatchSource {
 public:
  CachedFeatureBatches(torch::Tensor cache, const std::vector<data::Item>& items, const data::BatchLoader& loader,
                       int64_t rank_batch)
      : cache_(std::move(cache)), items_(items), loader_(loader), rank_batch_(rank_batch) {}
  void StartEpoch(int epoch, int64_t) override { order_ = loader_.EpochOrder(epoch); }
  std::pair<torch::Tensor, torch::Tensor> Next(int64_t b) override {
    auto idx = torch::from_blob(order_.data() + b * rank_batch_, {rank_batch_}, torch::kInt64).clone();
    torch::Tensor labels = torch::empty({rank_batch_}, torch::kInt64);
    for (int64_t i = 0; i < rank_batch_; ++i) labels[i] = items_[order_[b * rank_batch_ + i]].label;
    return {cache_.index_select(0, idx), labels};
  }
  bool features() const override { return true; }

 private:
  torch::Tensor cache_;
  const std::vector<data::Item>& items_;
  const data::BatchLoader& loader_;
  int64_t rank_batch_;
  std::vector<int64_t> order_;
};

// The recipe as a sequence of named steps: set up (run directory, data, model, optimizer, resume),
// then per epoch the optimizer steps, dev scoring and the checkpoints. Rank 0 writes the run
// directory; every rank reads it on --resume.
class Trainer {
 public:
  explicit Trainer(const TrainOptions& options)
      : o_(options), tc_(options.config.train), run_(options.out_dir), writer_(options.dist.rank == 0) {}
  // Sets up, trains the epochs still to do, and returns summary.json's content.
  nlohmann::json Run();

 private:
  void PrepareRunDirectory();
  void LoadData();
  void AgreeOnTheRun() const;
  void WriteRunFiles();
  void BuildModel();
  void ResumeFromLastCheckpoint();
  void BuildBatchSources();
  void RunEpoch(int epoch);
  double OptimizerStep(const torch::Tensor& inputs, const torch::Tensor& labels, int epoch);
  void FinishEpoch(int epoch, double train_loss, double seconds);
  void SaveEpoch(const rundir::EpochRow& row);
  void SaveLastCheckpoint(const Progress& p);
  int AgreedInterrupt(const std::string& where) const;
  Interrupted InterruptedAt(int signal, const std::string& where) const;
  rundir::Summary MakeSummary() const;

  const TrainOptions& o_;
  const TrainConfig& tc_;
  const rundir::RunDirectory run_;
  const bool writer_;
  bool resume_from_last_ = false;
  int threads_ = 0;
  torch::Device device_ = torch::kCPU;
  int micro_batches_ = 1;     // world_size x grad_accum: the step's batch is split over them
  int64_t rank_batch_ = 0;    // this rank's share of the step's batch
  int64_t num_batches_ = 0;   // optimizer steps per epoch
  data::Dataset train_ds_, dev_ds_;
  std::vector<data::Item> train_items_;
  std::unique_ptr<Distributed> dist_;
  model::Countermeasure net_{nullptr};
  std::unique_ptr<optim::Adam> adam_;
  std::vector<torch::Tensor> trainable_;
  std::unique_ptr<FirstMicroBatchBuffers> bn_buffers_;
  torch::Tensor class_weights_;
  std::unique_ptr<data::BatchLoader> train_loader_, dev_loader_;
  std::unique_ptr<BatchSource> batches_;
  FaultHooks faults_;
  nlohmann::json checkpoint_meta_;  // what every checkpoint records besides its progress
  Progress progress_;
  std::optional<rundir::Summary> summary_;
  rundir::FolderClaim claim_;  // rank 0: the run folder's mark and lock, held until training returns
};

nlohmann::json Trainer::Run() {
  if (tc_.precision == Precision::kInt8)
    FailAt(o_.config.source, 0, "precision: int8 quantizes a trained model for scoring (score, eval, serve, bench); "
                                "train with fp32 or bf16");
  PrepareRunDirectory();
  threads_ = model::ConfigureThreads(ThreadsForRank(tc_.threads, o_.dist));
  device_ = model::ParseDevice(DeviceForRank(tc_.device, o_.dist));
  micro_batches_ = o_.dist.world_size * tc_.grad_accum;
  if (tc_.batch_size % micro_batches_ != 0)
    Fail(Format("batch_size %d does not split over world size %d x grad_accum %d micro-batches: make it a "
                "multiple of %d", tc_.batch_size, o_.dist.world_size, tc_.grad_accum, micro_batches_));
  rank_batch_ = tc_.batch_size / o_.dist.world_size;
  LoadData();  // a config/data mismatch stops before anything is written or trained
  dist_ = Distributed::Create(o_.dist, device_);
  AgreeOnTheRun();  // before any collective whose shapes depend on the config
  WriteRunFiles();
  BuildModel();
  ResumeFromLastCheckpoint();
  BuildBatchSources();
  faults_ = FaultHooks::FromEnvironment(dist_->rank());

  InterruptGuard interrupt_guard;
  for (int epoch = progress_.epoch + 1; epoch <= tc_.num_epochs; ++epoch) RunEpoch(epoch);
  dist_->Barrier("finishing (rank 0 writes the last files)");
  // No epoch left to train (a finished run resumed): the summary is the one on disk.
  return (summary_ ? *summary_ : rundir::ReadSummary(run_)).ToJson();
}

// Claims the folder (rank 0: created and marked by antispoof, locked against a second process);
// refuses a folder that holds another run (or logs without a checkpoint), and a resume under
// another config; clears what a kill left while a checkpoint was being written.
void Trainer::PrepareRunDirectory() {
  if (writer_) claim_ = rundir::FolderClaim::Acquire(run_.dir(), rundir::FolderKind::kRun);
  resume_from_last_ = o_.resume && FileExists(run_.last_checkpoint());
  const bool has_logs = FileExists(run_.epochs());
  if (!o_.resume && (FileExists(run_.last_checkpoint()) || has_logs))
    FailAt(run_.dir(), 0, "already holds a run: pass --resume to continue it, or choose another --out");
  if (o_.resume && !resume_from_last_ && has_logs) FailAt(run_.dir(), 0, "has logs but no last.pth to resume from");
  if (o_.resume && FileExists(run_.config())) {
    // Compared key by key, so that a config.yaml written before a key existed compares with its default.
    const std::vector<KeyChange> changes = DiffConfigs(LoadConfig(run_.config()), o_.config);
    if (!changes.empty())
      FailAt(run_.config(), 0,
             "the run was started with another config (" + changes[0].key + ": " + changes[0].before + " then, " +
                 changes[0].after + " now" + (changes.size() > 1 ? Format(", and %zu more", changes.size() - 1) : "") +
                 "); resume with the same config and flags");
  }
  if (o_.resume && writer_) RemoveStaleTempFiles(run_.dir());
}

void Trainer::LoadData() {
  train_ds_ = LoadSplit(o_, data::Split::kTrain);
  dev_ds_ = LoadSplit(o_, data::Split::kDev);
  train_items_ = Subset(train_ds_.items, tc_.max_train_items, tc_.seed);
}

// Every rank trains the same run: the resolved config (seed included), the inputs read and the
// resume flag are exchanged at start and compared with rank 0's; a rank started with another config
// would otherwise build another model and abort inside a collective. Every rank fails with the same
// message, naming the rank and the keys that differ.
void Trainer::AgreeOnTheRun() const {
  if (dist_->world_size() == 1) return;
  std::string mine = ToYaml(o_.config);
  mine += Format("resume: %s\nskip_missing: %s\nmixdown: %s\nresample: %s\ntrain_items: %zu\ndev_items: %zu\n",
                 o_.resume ? "true" : "false", o_.skip_missing ? "true" : "false", o_.decode.mixdown ? "true" : "false",
                 o_.decode.resample ? "true" : "false", train_items_.size(), dev_ds_.items.size());
  const std::vector<std::string> all = dist_->AllGatherText(mine, "exchanging the ranks' configs");
  for (int r = 1; r < dist_->world_size(); ++r) {
    if (all[r] == all[0]) continue;
    const std::vector<std::string> keys = DifferingYamlKeys(all[0], all[r]);
    std::string listed;
    for (size_t i = 0; i < keys.size() && i < 5; ++i) listed += (i ? ", " : "") + keys[i];
    if (keys.size() > 5) listed += Format(" and %zu more", keys.size() - 5);
    Fail(Format("rank %d of %d: rank %d: config differs from rank 0 (keys: %s); start every rank with the same "
                "config, flags and data",
                dist_->rank(), dist_->world_size(), r, listed.c_str()));
  }
}

void Trainer::WriteRunFiles() {
  if (!writer_) return;
  WriteFileAtomic(run_.config(), ToYaml(o_.config));
  if (o_.resume && FileExists(run_.run_info())) return;  // how the run was first started
  rundir::RunInfo info;
  info.seed = tc_.seed;
  info.command = o_.command_line;
  info.versions = Versions();
  info.device = tc_.device;
  info.threads = threads_;
  info.data_root = std::filesystem::absolute(o_.data_root).lexically_normal().string();
  info.train_items = static_cast<int64_t>(train_items_.size());
  info.dev_items = static_cast<int64_t>(dev_ds_.items.size());
  info.world_size = dist_->world_size();
  info.dist_backend = dist_->backend();
  rundir::WriteRunInfo(run_, info);
}

void Trainer::BuildModel() {
  torch::manual_seed(static_cast<uint64_t>(tc_.seed));  // the seed fixes the initialisation
  net_ = model::CreateModel(o_.config.model);
  net_->to(device_);
  net_->SetPrecision(tc_.precision);
  if (tc_.cache_front_end && !net_->HasFixedFrontEnd())
    FailAt(o_.config.source, 0, "cache_front_end: " + net_->Name() +
                                    " has no fixed front end in this configuration (freq_aug changes it every step)");
  adam_ = std::make_unique<optim::Adam>(net_->NamedTrainableParameters(), optim::AdamOptions::FromRecipe(tc_));
  checkpoint_meta_ = {{"format", "antispoof-checkpoint-1"},
                      {"config_yaml", ToYaml(o_.config)},
                      {"seed", tc_.seed},
                      {"versions", Versions()}};
}

// Every rank loads last.pth (weights, optimizer, progress) and starts from rank 0's state; the logs
// are cut back to where the checkpoint stands.
void Trainer::ResumeFromLastCheckpoint() {
  const std::string last = run_.last_checkpoint();
  if (resume_from_last_) {
    pth::Checkpoint ckpt = pth::ReadCheckpoint(last);
    model::LoadStateDict(*net_, ckpt.tensors, last);
    adam_->LoadState(ckpt.extra_tensors, last);
    nlohmann::json meta = nlohmann::json::parse(ckpt.metadata_json, nullptr, false);
    if (meta.is_discarded()) FailAt(last, 0, "checkpoint metadata is not valid JSON");
    progress_ = ProgressFrom(meta.value("progress", nlohmann::json::object()), last);
    std::fprintf(stderr, "resuming %s after epoch %d (iteration %lld)\n", run_.dir().c_str(), progress_.epoch,
                 static_cast<long long>(progress_.iteration));
    if (progress_.batch_in_epoch > 0)
      std::fprintf(stderr, "continuing epoch %d at batch %lld\n", progress_.epoch + 1,
                   static_cast<long long>(progress_.batch_in_epoch + 1));
  }
  dist_->CheckSame({static_cast<double>(progress_.epoch), static_cast<double>(progress_.iteration),
                    static_cast<double>(progress_.batch_in_epoch)},
                   "the epoch and iteration resumed from (every rank reads " + last +
                       ": a shared file system, or a copy on every host)");
  BroadcastModel(*dist_, *net_, false);
  if (writer_) rundir::TruncateLogs(run_, progress_.epoch, progress_.iteration);
}

void Trainer::BuildBatchSources() {
  data::LoaderOptions lo;
  lo.batch_size = rank_batch_;
  lo.shuffle = true;
  lo.seed = static_cast<uint64_t>(tc_.seed);
  lo.drop_last = true;
  lo.num_workers = tc_.num_workers;
  lo.nb_samp = o_.config.model.nb_samp;
  lo.decode = o_.decode;
  lo.decode.sample_rate = o_.config.model.sample_rate;  // the model's rate, whatever the caller set
  lo.rank = dist_->rank();
  lo.world_size = dist_->world_size();
  // Only the training loader augments (never dev, eval or the front-end cache, which the config
  // refuses together with augmentation).
  data::LoaderOptions train_lo = lo;
  if (tc_.augment.Enabled()) {
    auto augmenter = std::make_shared<const augment::Augmenter>(tc_.augment, o_.config.model.sample_rate);
    train_lo.transform = [augmenter](std::vector<float>& samples, const data::Item& item, uint64_t seed) {
      augmenter->Apply(samples, augment::ItemSeed(seed, item.utt));
    };
    if (writer_)
      std::fprintf(stderr, "augmenting the training utterances: %s\n",
                   augment::WriteAugmentConfig(tc_.augment).c_str());
  }
  train_loader_ = std::make_unique<data::BatchLoader>(train_items_, train_lo);
  num_batches_ = train_loader_->NumBatches();
  if (num_batches_ == 0)
    Fail(Format("the training split has %zu utterances, fewer than one batch of %d (the last partial "
                "batch is dropped as in the reference)", train_items_.size(), tc_.batch_size));
  data::LoaderOptions dev_lo = lo;
  dev_lo.batch_size = tc_.batch_size;
  dev_lo.shuffle = false;
  dev_lo.drop_last = false;
  dev_loader_ = std::make_unique<data::BatchLoader>(dev_ds_.items, dev_lo);
  if (tc_.cache_front_end)
    batches_ = std::make_unique<CachedFeatureBatches>(PrecomputeFrontEnd(*net_, train_items_, lo, device_),
                                                      train_items_, *train_loader_, rank_batch_);
  else
    batches_ = std::make_unique<LoaderBatches>(*train_loader_);
  class_weights_ = optim::ClassWeights(tc_, device_);
  for (const auto& [name, p] : net_->NamedTrainableParameters()) trainable_.push_back(p);
  bn_buffers_ = std::make_unique<FirstMicroBatchBuffers>(*net_);
  if (progress_.batch_in_epoch >= num_batches_)
    FailAt(run_.last_checkpoint(), 0, Format("checkpoint stands at batch %lld of an epoch of %lld batches",
                                             static_cast<long long>(progress_.batch_in_epoch),
                                             static_cast<long long>(num_batches_)));
}

void Trainer::RunEpoch(int epoch) {
  const int64_t first_batch = progress_.batch_in_epoch;  // > 0 when resuming mid-epoch
  const auto t0 = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(progress_.epoch_seconds));
  net_->train();
  double loss_sum = progress_.epoch_loss_sum;
  int64_t n_batches = first_batch;
  progress_.batch_in_epoch = 0;
  progress_.epoch_loss_sum = 0;
  progress_.epoch_seconds = 0;
  ProgressBar bar(Format("epoch %d/%d", epoch, tc_.num_epochs), num_batches_ * rank_batch_, "utt");
  if (first_batch > 0) bar.Add(first_batch * rank_batch_);
  batches_->StartEpoch(epoch, first_batch);
  double data_wait_s = 0;  // time the optimizer steps waited for the loader
  for (int64_t b = first_batch; b < num_batches_; ++b) {
    const auto wait_start = Clock::now();
    auto [inputs, labels] = batches_->Next(b);
    data_wait_s += std::chrono::duration<double>(Clock::now() - wait_start).count();
    const double loss = OptimizerStep(inputs, labels, epoch);
    ++n_batches;
    loss_sum += loss;
    if (writer_ && progress_.iteration % tc_.log_every == 0)
      rundir::AppendIteration(run_, {epoch, progress_.iteration, loss, loss_sum / n_batches});
    bar.SetPostfix(Format("loss %.4f", loss_sum / n_batches));
    bar.Add(rank_batch_);
    faults_.AfterOptimizerStep(progress_.iteration);
    const int signal = AgreedInterrupt(Format("after iteration %lld", static_cast<long long>(progress_.iteration)));
    if (signal != 0 && b + 1 < num_batches_) {
      // A mid-epoch checkpoint: --resume continues with batch b + 1 of this epoch.
      bar.Finish();
      Progress mid = progress_;
      mid.batch_in_epoch = b + 1;
      mid.epoch_loss_sum = loss_sum;
      mid.epoch_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      if (writer_) SaveLastCheckpoint(mid);
      throw InterruptedAt(signal, Format("in epoch %d after batch %lld of %lld (iteration %lld)", epoch,
                                         static_cast<long long>(b + 1), static_cast<long long>(num_batches_),
                                         static_cast<long long>(progress_.iteration)));
    }
  }
  bar.Finish();
  const double train_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (writer_)
    std::fprintf(stderr, "epoch %d: waited %.2f s for the data loader (%.1f %% of %.1f s of training steps)\n", epoch,
                 data_wait_s, train_s > 0 ? 100 * data_wait_s / train_s : 0.0, train_s);
  FinishEpoch(epoch, loss_sum / n_batches, train_s);
}

// One optimizer step over this rank's batch: its micro-batches' gradients accumulate, the loss and
// gradients are averaged over ranks x micro-batches (docs/distributed.md), then Adam steps.
// Returns the step's loss.
double Trainer::OptimizerStep(const torch::Tensor& inputs, const torch::Tensor& labels, int epoch) {
  const int64_t step = progress_.iteration + 1;
  const std::string step_name = Format("iteration %lld", static_cast<long long>(step));
  adam_->ZeroGrad();
  double loss_value = 0;
  for (int m = 0; m < tc_.grad_accum; ++m) {
    torch::Tensor x = MicroBatch(inputs, m, tc_.grad_accum).to(device_);
    SeedMicroBatch(tc_.seed, step, dist_->rank() + dist_->world_size() * m);
    torch::Tensor outputs = batches_->features() ? net_->ForwardFromFrontEnd(x) : net_->forward(x);
    torch::Tensor loss = optim::WeightedCrossEntropy(net_->LogProbabilities(outputs),
                                              MicroBatch(labels, m, tc_.grad_accum).to(device_), class_weights_);
    loss_value += loss.item<double>();
    loss.backward();
    // After backward: the graph holds the running statistics it was built with.
    if (tc_.grad_accum > 1) m == 0 ? bn_buffers_->Keep() : bn_buffers_->Restore();
  }
  loss_value = dist_->AllReduceSum(loss_value, "summing the loss of " + step_name) / micro_batches_;
  if (!std::isfinite(loss_value))
    Fail(Format("non-finite training loss (%g) at epoch %d, iteration %lld: stopping; %s keeps the "
                "last good epoch (%d)", loss_value, epoch, static_cast<long long>(step),
                run_.last_checkpoint().c_str(), progress_.epoch));
  std::vector<torch::Tensor> grads;
  for (const auto& p : trainable_)
    if (p.grad().defined()) grads.push_back(p.grad());
  dist_->AllReduceMean(grads, micro_batches_, "averaging the gradients of " + step_name);
  adam_->set_lr(tc_.LearningRate(step, num_batches_ * tc_.num_epochs));
  adam_->Step();
  progress_.iteration = step;
  return loss_value;
}

// Scores dev (rank 0's BatchNorm statistics on every rank, each rank its shard), selects the best
// epoch, and saves the epoch; stops here when an interrupt is pending.
void Trainer::FinishEpoch(int epoch, double train_loss, double seconds_before_dev) {
  const auto t0 = Clock::now();
  BroadcastModel(*dist_, *net_, true);
  infer::ScoringResult dev = ScoreSharded(*dist_, *net_, *dev_loader_, device_, "dev", tc_.class_weights);
  std::vector<double> bona, spoof;
  for (const auto& it : dev.items) (it.label == TrialKey::kBonafide ? bona : spoof).push_back(it.score);
  rundir::EpochRow row;
  row.epoch = epoch;
  row.train_loss = train_loss;
  row.dev_loss = dev.weighted_loss;
  row.dev_eer = metrics::ComputeEer(bona, spoof).eer;
  row.dev_acc = infer::Accuracy(dev.items);
  row.seconds = seconds_before_dev + std::chrono::duration<double>(Clock::now() - t0).count();
  progress_.train_time_s += row.seconds;
  progress_.epoch = epoch;
  dist_->CheckSame({row.train_loss, row.dev_loss, row.dev_eer, row.dev_acc}, Format("the metrics of epoch %d", epoch));
  if (row.dev_eer < progress_.best_dev_eer) {
    progress_.best_dev_eer = row.dev_eer;
    progress_.best_epoch = epoch;
  }
  summary_ = MakeSummary();
  const int signal = AgreedInterrupt(Format("after epoch %d", epoch));
  if (writer_) SaveEpoch(row);
  if (signal != 0 && epoch < tc_.num_epochs) throw InterruptedAt(signal, Format("at the end of epoch %d", epoch));
}

// Rank 0: the epoch's log row, best.pth when it is the best so far, last.pth, summary.json.
void Trainer::SaveEpoch(const rundir::EpochRow& row) {
  rundir::AppendEpoch(run_, row);
  std::fprintf(stderr, "epoch %d: train loss %.4f, dev loss %.4f, dev EER %.2f %%, dev acc %.2f %% (%s)\n",
               row.epoch, row.train_loss, row.dev_loss, 100 * row.dev_eer, 100 * row.dev_acc,
               FormatDuration(row.seconds).c_str());
  if (progress_.best_epoch == row.epoch) {
    nlohmann::json meta = checkpoint_meta_;
    meta["progress"] = ProgressJson(progress_);
    model::SaveWeights(*net_, run_.best_checkpoint(), meta.dump());
  }
  SaveLastCheckpoint(progress_);
  rundir::WriteSummary(run_, *summary_);
}

void Trainer::SaveLastCheckpoint(const Progress& p) {
  nlohmann::json meta = checkpoint_meta_;
  meta["progress"] = ProgressJson(p);
  pth::Checkpoint last;
  last.tensors = model::StateDictOf(*net_);
  last.extra_tensors = adam_->State();
  last.metadata_json = meta.dump();
  pth::WriteCheckpoint(run_.last_checkpoint(), last);
}

// The pending interrupt, agreed over the ranks: every rank stops at the same point when any of them
// was interrupted (SIGINT for the ranks that were not).
int Trainer::AgreedInterrupt(const std::string& where) const {
  int signal = PendingInterrupt();
  if (o_.dist.world_size > 1 &&
      dist_->AllReduceSum(signal != 0 ? 1.0 : 0.0, "checking for an interrupt " + where) > 0 && signal == 0)
    signal = SIGINT;
  return signal;
}

Interrupted Trainer::InterruptedAt(int signal, const std::string& where) const {
  std::string resume = o_.command_line;
  if (resume.find(" --resume") == std::string::npos) resume += " --resume";
  return Interrupted(Format("interrupted by %s %s: saved %s; continue with:\n  %s", SignalName(signal),
                            where.c_str(), run_.last_checkpoint().c_str(), resume.c_str()),
                     128 + signal);
}

rundir::Summary Trainer::MakeSummary() const {
  rundir::Summary s;
  s.best_epoch = progress_.best_epoch;
  s.best_dev_eer = progress_.best_dev_eer;
  s.epochs_done = progress_.epoch;
  s.total_train_time_s = progress_.train_time_s;
  for (const auto& p : net_->parameters()) s.parameters += p.numel();
  s.seed = tc_.seed;
  s.model_name = net_->Name();
  return s;
}

}  // namespace

nlohmann::json Train(const TrainOptions& options) { return Trainer(options).Run(); }

nlohmann::json Versions() {
  return {{"antispoof", Version()},
          {"libtorch", model::LibTorchVersion()},
          {"compiler", std::string(__VERSION__)}};
}

}  // namespace antispoof::train
