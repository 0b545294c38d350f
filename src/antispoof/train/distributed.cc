#include "antispoof/train/distributed.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::train {
namespace {

// LibTorch 1.13: Gloo and NCCL groups derive from c10d::ProcessGroup; 2.x moved the collectives
// to c10d::Backend (ProcessGroupGloo/NCCL derive from it). The calls used here exist in both.
#if TORCH_VERSION_MAJOR >= 2
using Backend = c10d::Backend;
#else
using Backend = c10d::ProcessGroup;
#endif

struct IntSetting {
  const char* flag;
  const char* env;
};

// The flag's value when given (>= 0), else the environment's, else `fallback`.
int Resolve(int flag_value, const IntSetting& s, const EnvLookup& getenv, int fallback) {
  const char* env = getenv(s.env);
  std::optional<long long> env_value;
  if (env != nullptr && *env != '\0') {
    env_value = ParseInt(Trim(env));
    if (!env_value || *env_value < 0 || *env_value > 1 << 30)
      Fail(Format("environment variable %s='%s' is not a non-negative integer", s.env, env));
  }
  if (flag_value >= 0) {
    if (env_value && *env_value != flag_value)
      Fail(Format(
          "%s %d disagrees with the environment variable %s=%lld: give one or make them equal",
          s.flag, flag_value, s.env, *env_value));
    return flag_value;
  }
  return env_value ? static_cast<int>(*env_value) : fallback;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || StartsWith(host, "127.");
}

std::string WorkError(const DistOptions& o, const std::string& what, const std::string& cause) {
  return Format(
      "rank %d of %d: %s failed: %s (another rank stopped, or did not answer within "
      "--dist-timeout %g s)",
      o.rank, o.world_size, what.c_str(), cause.c_str(), o.timeout_s);
}

constexpr const char* kRendezvousHeader = "antispoof-rendezvous-1 ";

// A fresh rendezvous through --dist-init-file: rank 0 creates the file, exclusively and complete
// (written aside, then link(2)ed into place, which fails when the path exists), holding a new random
// nonce; the other ranks wait (at most the timeout) until it exists and read the nonce. The ranks meet
// in the FileStore INIT.<nonce>.store, a file no earlier run can have used. An existing init file is
// refused by rank 0, and by the other ranks when antispoof did not write it. Returns the store's path.
std::string FreshRendezvous(const DistOptions& o) {
  const std::string& path = o.init_file;
  if (o.rank == 0) {
    std::random_device device;
    const uint64_t nonce = (static_cast<uint64_t>(device()) << 32) ^ device() ^
                           static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
                           (static_cast<uint64_t>(::getpid()) << 16);
    const std::string hex = Format("%016llx", static_cast<unsigned long long>(nonce));
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const std::string content = kRendezvousHeader + hex + "\n";
    FILE* f = std::fopen(tmp.c_str(), "w");
    const bool written = f && std::fwrite(content.data(), 1, content.size(), f) == content.size();
    if (f) std::fclose(f);
    const int linked = written ? ::link(tmp.c_str(), path.c_str()) : -1;
    const int err = errno;
    ::unlink(tmp.c_str());
    if (linked != 0 && written && err == EEXIST)
      Fail(Format("rank 0 of %d: --dist-init-file %s already exists (left by an earlier or failed run, or another "
                  "file): a rendezvous needs a new file; remove it or name another",
                  o.world_size, path.c_str()));
    if (linked != 0)
      Fail(Format("rank 0 of %d: cannot create --dist-init-file %s: %s", o.world_size, path.c_str(),
                  std::strerror(written ? err : errno)));
    return path + "." + hex + ".store";
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.timeout_s);
  struct stat st;
  while (::stat(path.c_str(), &st) != 0) {
    if (std::chrono::steady_clock::now() > until)
      Fail(Format("rank %d of %d: rank 0 did not create --dist-init-file %s within --dist-timeout %g s", o.rank,
                  o.world_size, path.c_str(), o.timeout_s));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  char buf[64] = {0};
  FILE* f = std::fopen(path.c_str(), "r");
  const size_t n = f ? std::fread(buf, 1, sizeof(buf) - 1, f) : 0;
  if (f) std::fclose(f);
  const std::string text(buf, n);
  const std::string header = kRendezvousHeader;
  if (!StartsWith(text, header) || Trim(text.substr(header.size())).size() != 16)
    Fail(Format("rank %d of %d: --dist-init-file %s is not a rendezvous file antispoof's rank 0 created for this "
                "run (an earlier run's, or another file): rank 0 refuses it too; remove it or name another",
                o.rank, o.world_size, path.c_str()));
  return path + "." + Trim(text.substr(header.size())) + ".store";
}

}  // namespace

DistOptions ResolveDistOptions(const DistOptions& flags, const EnvLookup& getenv_in) {
  EnvLookup getenv =
      getenv_in ? getenv_in : EnvLookup([](const char* n) { return std::getenv(n); });
  DistOptions o = flags;
  o.world_size = Resolve(flags.world_size, {"--world-size", kWorldSizeEnv}, getenv, 1);
  o.rank = Resolve(flags.rank, {"--rank", kRankEnv}, getenv, 0);
  o.master_port = Resolve(flags.master_port, {"--master-port", kMasterPortEnv}, getenv, 0);
  o.local_rank = Resolve(flags.local_rank, {"the local rank", kLocalRankEnv}, getenv, -1);
  o.local_world_size =
      Resolve(flags.local_world_size, {"the local world size", kLocalWorldSizeEnv}, getenv, -1);
  const char* addr_env = getenv(kMasterAddrEnv);
  if (o.master_addr.empty()) {
    if (addr_env != nullptr) o.master_addr = Trim(addr_env);
  } else if (addr_env != nullptr && *addr_env != '\0' && Trim(addr_env) != o.master_addr) {
    Fail(Format(
        "--master-addr %s disagrees with the environment variable %s=%s: give one or make them "
        "equal",
        o.master_addr.c_str(), kMasterAddrEnv, addr_env));
  }
  if (o.world_size < 1)
    Fail(Format("--world-size (%s) must be at least 1, got %d", kWorldSizeEnv, o.world_size));
  if (o.rank >= o.world_size)
    Fail(Format("--rank (%s) %d is outside the world of size %d (ranks are 0..%d)", kRankEnv,
                o.rank, o.world_size, o.world_size - 1));
  if (o.master_port > 65535)
    Fail(Format("--master-port (%s) %d is not a TCP port (1..65535)", kMasterPortEnv,
                o.master_port));
  if (!(o.timeout_s > 0)) Fail(Format("--dist-timeout must be positive, got %g", o.timeout_s));
  if (!(o.bucket_mb > 0))
    Fail(Format("the all-reduce bucket size must be positive, got %g MB", o.bucket_mb));
  if (o.backend != "auto" && o.backend != "gloo" && o.backend != "nccl")
    Fail("--dist-backend '" + o.backend + "': expected auto, gloo or nccl");
  if (o.world_size > 1 && o.init_file.empty()) {
    if (o.master_addr.empty())
      Fail(Format(
          "a world of size %d needs a rendezvous: --master-addr (%s) and --master-port (%s), or "
          "--dist-init-file",
          o.world_size, kMasterAddrEnv, kMasterPortEnv));
    if (o.master_port == 0)
      Fail(Format("a world of size %d needs --master-port (%s), the port rank 0 listens on",
                  o.world_size, kMasterPortEnv));
  }
  // Without LOCAL_WORLD_SIZE (torchrun and `antispoof launch` set it) a rank assumes it has the
  // host to itself.
  if (o.local_world_size < 1) o.local_world_size = 1;
  if (o.local_rank < 0) o.local_rank = 0;
  return o;
}

int ThreadsForRank(int threads, const DistOptions& o) {
  if (threads > 0) return threads;
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max(1, cores / std::max(1, o.local_world_size));
}

std::string DeviceForRank(const std::string& device, const DistOptions& o) {
  if (device == "cuda" && o.world_size > 1) return "cuda:" + std::to_string(o.local_rank);
  return device;
}

struct Distributed::Impl {
  std::string created_init_file;  // rank 0: the init file it created, removed with the group
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Backend> group;
  torch::Device device = torch::kCPU;

  template <typename WorkPtr>
  void Wait(const WorkPtr& work, const DistOptions& o, const std::string& what) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      Fail(WorkError(o, what, e.what()));
    }
  }
};

Distributed::Distributed(DistOptions options, std::string backend, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), backend_(std::move(backend)), impl_(std::move(impl)) {}

Distributed::~Distributed() {
  if (!impl_) return;
  const std::string init_file = impl_->created_init_file;
  impl_.reset();  // the group and the store first (the store removes its file once every rank is done)
  if (!init_file.empty()) ::unlink(init_file.c_str());  // the path is free for the next run
}

std::unique_ptr<Distributed> Distributed::Create(const DistOptions& in,
                                                 const torch::Device& device) {
  DistOptions o = in;
  if (o.world_size < 1) o = ResolveDistOptions(in, [](const char*) { return nullptr; });
  auto impl = std::make_unique<Impl>();
  impl->device = device;
  if (o.world_size == 1)
    return std::unique_ptr<Distributed>(new Distributed(o, "none", std::move(impl)));

  std::string backend = o.backend;
  if (backend == "auto") {
#ifdef USE_C10D_NCCL
    backend = device.is_cuda() ? "nccl" : "gloo";
#else
    backend = "gloo";
#endif
  }
  if (backend == "nccl" && !device.is_cuda())
    Fail("--dist-backend nccl needs a CUDA device (--device cuda); use gloo on the CPU");
  if (backend == "gloo" && device.is_cuda())
    Fail("--dist-backend gloo reduces CPU tensors; with --device cuda use nccl (or auto)");
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  const std::string rendezvous =
      o.init_file.empty() ? Format("%s:%d", o.master_addr.c_str(), o.master_port) : o.init_file;
  try {
    if (!o.init_file.empty()) {
      const std::string store_path = FreshRendezvous(o);
      if (o.rank == 0) impl->created_init_file = o.init_file;
      impl->store = c10::make_intrusive<c10d::FileStore>(store_path, o.world_size);
      impl->store->setTimeout(timeout);
    } else {
      c10d::TCPStoreOptions so;
      so.port = static_cast<uint16_t>(o.master_port);
      so.isServer = o.rank == 0;
      so.numWorkers = static_cast<size_t>(o.world_size);
      so.waitWorkers = true;
      so.timeout = timeout;
      impl->store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
    }
    auto store = c10::make_intrusive<c10d::PrefixStore>("antispoof/" + backend, impl->store);
    if (backend == "gloo") {
      auto go = c10d::ProcessGroupGloo::Options::create(timeout);
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
        go->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      } else if (o.init_file.empty() && IsLoopback(o.master_addr)) {
        go->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        go->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, o.rank, o.world_size, go);
    } else {
#ifdef USE_C10D_NCCL
      // NCCL honours the timeout only with blocking waits (NCCL_BLOCKING_WAIT in 1.13,
      // TORCH_NCCL_BLOCKING_WAIT in 2.x); without them a dead rank would hang the others.
      ::setenv("NCCL_BLOCKING_WAIT", "1", 0);
      ::setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
      auto no = c10d::ProcessGroupNCCL::Options::create();
      no->timeout = timeout;
      impl->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, o.rank, o.world_size, no);
#else
      Fail(
          "--dist-backend nccl: this build has no NCCL (LibTorch without CUDA, or built without "
          "ANTISPOOF_WITH_NCCL)");
#endif
    }
  } catch (const Error&) {
    if (!impl->created_init_file.empty()) ::unlink(impl->created_init_file.c_str());
    throw;
  } catch (const std::exception& e) {
    if (!impl->created_init_file.empty()) ::unlink(impl->created_init_file.c_str());
    Fail(Format(
        "rank %d of %d: joining the process group at %s failed: %s (every rank must start within "
        "--dist-timeout %g s and reach that address%s)",
        o.rank, o.world_size, rendezvous.c_str(), e.what(), o.timeout_s,
        o.init_file.empty() ? "" : "; the init file must be new: rank 0 refuses one that already exists"));
  }
  auto dist = std::unique_ptr<Distributed>(new Distributed(o, backend, std::move(impl)));
  dist->Barrier("the first barrier");
  return dist;
}

void Distributed::AllReduceMean(const std::vector<torch::Tensor>& tensors, double divisor,
                                const std::string& what) {
  if (world_size() == 1) {
    if (divisor != 1)
      for (const auto& t : tensors) t.div_(divisor);
    return;
  }
  torch::NoGradGuard no_grad;
  const int64_t bucket_bytes = static_cast<int64_t>(options_.bucket_mb * 1024 * 1024);
  struct Bucket {
    std::vector<torch::Tensor> members;
    torch::Tensor flat;
  };
  std::vector<Bucket> buckets;
  int64_t bytes = 0;
  for (const auto& t : tensors) {
    const int64_t b = t.numel() * static_cast<int64_t>(t.element_size());
    if (buckets.empty() || bytes + b > bucket_bytes ||
        buckets.back().members.front().scalar_type() != t.scalar_type()) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().members.push_back(t);
    bytes += b;
  }
  // Every bucket is queued before the first wait: Gloo's worker threads run them back to back.
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& bucket : buckets) {
    std::vector<torch::Tensor> flat;
    for (const auto& t : bucket.members) flat.push_back(t.reshape({-1}));
    bucket.flat = torch::cat(flat);
    std::vector<at::Tensor> io{bucket.flat};
    works.push_back(impl_->group->allreduce(io));
  }
  for (size_t i = 0; i < buckets.size(); ++i) {
    impl_->Wait(works[i], options_, what);
    Bucket& bucket = buckets[i];
    bucket.flat.div_(divisor);
    int64_t offset = 0;
    for (const auto& t : bucket.members) {
      t.copy_(bucket.flat.narrow(0, offset, t.numel()).view_as(t));
      offset += t.numel();
    }
  }
}

double Distributed::AllReduceSum(double value, const std::string& what) {
  if (world_size() == 1) return value;
  std::vector<at::Tensor> io{torch::tensor({value}, torch::kFloat64).to(impl_->device)};
  impl_->Wait(impl_->group->allreduce(io), options_, what);
  return io[0].cpu().item<double>();
}

void Distributed::Broadcast(const std::vector<torch::Tensor>& tensors, const std::string& what) {
  if (world_size() == 1) return;
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    std::vector<at::Tensor> io{t.is_contiguous() ? t : t.contiguous()};
    impl_->Wait(impl_->group->broadcast(io), options_, what);
    if (!io[0].is_same(t)) t.copy_(io[0]);
  }
}

std::vector<torch::Tensor> Distributed::AllGatherRows(const torch::Tensor& rows,
                                                      const std::string& what) {
  if (world_size() == 1) return {rows};
  const int64_t k = rows.size(1);
  std::vector<std::vector<at::Tensor>> counts(1);
  for (int r = 0; r < world_size(); ++r)
    counts[0].push_back(torch::zeros({1}, torch::kInt64).to(impl_->device));
  std::vector<at::Tensor> mine{torch::tensor({rows.size(0)}, torch::kInt64).to(impl_->device)};
  impl_->Wait(impl_->group->allgather(counts, mine), options_, what + " (row counts)");
  int64_t most = 0;
  std::vector<int64_t> n(world_size());
  for (int r = 0; r < world_size(); ++r) {
    n[r] = counts[0][r].cpu().item<int64_t>();
    most = std::max(most, n[r]);
  }
  torch::Tensor padded = torch::zeros({most, k}, torch::kFloat64);
  if (rows.size(0) > 0) padded.narrow(0, 0, rows.size(0)).copy_(rows);
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < world_size(); ++r)
    out[0].push_back(torch::zeros({most, k}, torch::kFloat64).to(impl_->device));
  std::vector<at::Tensor> in{padded.to(impl_->device)};
  impl_->Wait(impl_->group->allgather(out, in), options_, what);
  std::vector<torch::Tensor> result;
  for (int r = 0; r < world_size(); ++r) result.push_back(out[0][r].cpu().narrow(0, 0, n[r]));
  return result;
}

std::vector<std::string> Distributed::AllGatherText(const std::string& text, const std::string& what) {
  if (world_size() == 1) return {text};
  // One byte per float64 row: exact, and AllGatherRows already handles ranks of different lengths.
  torch::Tensor rows = torch::empty({static_cast<int64_t>(text.size()), 1}, torch::kFloat64);
  auto r = rows.accessor<double, 2>();
  for (size_t i = 0; i < text.size(); ++i) r[static_cast<int64_t>(i)][0] = static_cast<unsigned char>(text[i]);
  std::vector<std::string> out;
  for (const torch::Tensor& part : AllGatherRows(rows, what)) {
    const torch::Tensor c = part.contiguous();
    const double* p = c.data_ptr<double>();
    std::string s(static_cast<size_t>(c.size(0)), '\0');
    for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(static_cast<unsigned char>(p[i]));
    out.push_back(std::move(s));
  }
  return out;
}

void Distributed::CheckSame(const std::vector<double>& values, const std::string& what) {
  if (world_size() == 1) return;
  torch::Tensor mine = torch::from_blob(const_cast<double*>(values.data()),
                                        {1, static_cast<int64_t>(values.size())}, torch::kFloat64)
                           .clone();
  auto all = AllGatherRows(mine, "comparing " + what);
  for (int r = 0; r < world_size(); ++r) {
    if (all[r].numel() != mine.numel() ||
        std::memcmp(all[r].data_ptr<double>(), values.data(), values.size() * sizeof(double)) != 0)
      Fail(Format("rank %d of %d: %s differs between rank %d and rank %d", rank(), world_size(),
                  what.c_str(), rank(), r));
  }
}

void Distributed::Barrier(const std::string& what) {
  if (world_size() == 1) return;
  // An all-reduce rather than barrier(): barrier() of NCCL picks a device by itself.
  AllReduceSum(1, what);
}

torch::Tensor MicroBatch(const torch::Tensor& batch, int m, int count) {
  if (count == 1) return batch;
  return batch.slice(0, m, batch.size(0), count);
}

FirstMicroBatchBuffers::FirstMicroBatchBuffers(model::CountermeasureImpl& model) {
  for (const auto& b : model.buffers()) buffers_.push_back(b);
}

void FirstMicroBatchBuffers::Keep() {
  kept_.clear();
  for (const auto& b : buffers_) kept_.push_back(b.clone());
}

void FirstMicroBatchBuffers::Restore() {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < buffers_.size(); ++i) buffers_[i].copy_(kept_[i]);
}

void BroadcastModel(Distributed& dist, model::CountermeasureImpl& model, bool buffers_only) {
  if (dist.world_size() == 1) return;
  std::vector<torch::Tensor> tensors;
  if (!buffers_only)
    for (const auto& p : model.parameters()) tensors.push_back(p);
  for (const auto& b : model.buffers()) tensors.push_back(b);
  dist.Broadcast(tensors, buffers_only ? "broadcasting rank 0's BatchNorm statistics"
                                       : "broadcasting rank 0's weights");
}

infer::ScoringResult ScoreSharded(Distributed& dist, model::CountermeasureImpl& model,
                                  data::BatchLoader& loader, const torch::Device& device,
                                  const std::string& label, const std::array<double, 2>& class_weights) {
  infer::ScoringResult shard = infer::ScoreWithLoader(model, loader, device, label, class_weights);
  if (dist.world_size() == 1) return shard;
  const auto& lo = loader.options();
  if (lo.shuffle || lo.drop_last || lo.world_size != dist.world_size() || lo.rank != dist.rank())
    Fail("internal: ScoreSharded needs an unshuffled loader sharded like the process group");
  // Per item: the two outputs and the two log-probabilities.
  const int64_t n_rows = static_cast<int64_t>(shard.items.size());
  torch::Tensor rows = torch::empty({n_rows, 4}, torch::kFloat64);
  auto r = rows.accessor<double, 2>();
  for (int64_t i = 0; i < n_rows; ++i) {
    const infer::ScoredItem& it = shard.items[i];
    r[i][0] = it.spoof_output;
    r[i][1] = it.score;
    r[i][2] = it.log_probs[0];
    r[i][3] = it.log_probs[1];
  }
  std::vector<torch::Tensor> all = dist.AllGatherRows(rows, "gathering the " + label + " scores");
  const auto& items = loader.items();
  const int w = dist.world_size();
  infer::ScoringResult result;
  result.items.reserve(items.size());
  std::vector<at::TensorAccessor<double, 2>> parts;
  for (int r = 0; r < w; ++r) {
    const int64_t expected = (static_cast<int64_t>(items.size()) - r + w - 1) / w;
    if (all[r].size(0) != expected)
      Fail(Format("rank %d of %d: rank %d scored %lld of the %s items, expected %lld", dist.rank(),
                  w, r, static_cast<long long>(all[r].size(0)), label.c_str(),
                  static_cast<long long>(expected)));
    all[r] = all[r].contiguous();
    parts.push_back(all[r].accessor<double, 2>());
  }
  for (size_t p = 0; p < items.size(); ++p) {
    const auto& part = parts[p % w];
    const int64_t i = static_cast<int64_t>(p / w);
    result.items.push_back(infer::MakeScoredItem(items[p], part[i][0], part[i][1], {part[i][2], part[i][3]}));
  }
  result.weighted_loss = infer::WeightedLoss(result.items, class_weights);
  return result;
}

}  // namespace antispoof::train
