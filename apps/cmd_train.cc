// antispoof train: the reference recipe, model selection on dev, resumable checkpoints.
#include <cstdio>

#include "antispoof/config/config.h"
#include "antispoof/train/trainer.h"
#include "command.h"

namespace {
struct TrainArgs {
  std::string config, data_root, out;
  std::vector<antispoof::KeyFlag> key_flags;  // --seed, --epochs, ... in command-line order
  bool resume = false, skip_missing = false;
  antispoof::audio::DecodeOptions decode;
  std::vector<std::string> overrides;
  antispoof::train::DistOptions dist;
};

antispoof::cli::Registration reg{{"train", "Train a countermeasure (RawNet2, AASIST, ...) on an ASVspoof LA layout",
                                  [](CLI::App& sub) {
  auto a = std::make_shared<TrainArgs>();
  sub.add_option("-c,--config", a->config, "YAML config (conf/rawnet2.yaml, ...)")->required();
  sub.add_option("--data-root", a->data_root, "LA folder (or its parent) in the ASVspoof 2019 layout")->required();
  sub.add_option("-o,--out", a->out, "Run directory to create (or resume)")->required();
  // Each flag sets its config key with the key's own validation; errors name the flag.
  using antispoof::cli::AddKeyFlag;
  AddKeyFlag(sub, a->key_flags, "--seed", "seed", "Seed for initialisation and data order");
  AddKeyFlag(sub, a->key_flags, "--epochs", "num_epochs", "Epochs");
  AddKeyFlag(sub, a->key_flags, "--batch-size", "batch_size", "Batch size");
  AddKeyFlag(sub, a->key_flags, "--lr", "lr", "Learning rate");
  AddKeyFlag(sub, a->key_flags, "--device", "device", "cpu, cuda or cuda:N");
  AddKeyFlag(sub, a->key_flags, "--precision", "precision", "fp32 (exact) or bf16");
  AddKeyFlag(sub, a->key_flags, "--threads", "threads", "Intra-op threads, 0 = all cores (at most this machine's)");
  sub.add_option("--set", a->overrides, "Override any config key: KEY=VALUE (e.g. model.nb_samp=32000)");
  sub.add_flag("--resume", a->resume, "Continue the run in --out from its last.pth");
  antispoof::cli::AddAudioInputFlags(sub, a->decode, a->skip_missing);
  sub.footer("Config keys (augment: on-the-fly augmentation of the training utterances, with its transforms and "
             "their parameters, among them): `antispoof config` lists every one; docs/config.md.");
  auto* d = sub.add_option_group("Data-parallel training", "docs/distributed.md; `antispoof launch` sets these");
  d->add_option("--world-size", a->dist.world_size, "Number of ranks (env WORLD_SIZE; default 1)");
  d->add_option("--rank", a->dist.rank, "This process's rank, 0..world size - 1 (env RANK)");
  d->add_option("--master-addr", a->dist.master_addr, "Rank 0's host, the TCPStore rendezvous (env MASTER_ADDR)");
  d->add_option("--master-port", a->dist.master_port, "Rank 0's rendezvous port (env MASTER_PORT)");
  d->add_option("--dist-init-file", a->dist.init_file,
                "Rendezvous through a new file on a shared file system (FileStore) instead");
  d->add_option("--dist-backend", a->dist.backend, "auto (nccl for CUDA when built with it, else gloo), gloo, nccl");
  d->add_option("--dist-timeout", a->dist.timeout_s,
                "Seconds a rendezvous or collective may wait for the other ranks (default 300)");
  return std::function<int()>([a] {
    antispoof::train::TrainOptions o;
    o.config = antispoof::LoadConfig(a->config);
    for (const auto& kv : a->overrides) antispoof::ApplyOverride(o.config, kv);
    antispoof::ApplyKeyFlags(o.config, a->key_flags);
    o.data_root = a->data_root;
    o.out_dir = a->out;
    o.resume = a->resume;
    o.skip_missing = a->skip_missing;
    o.decode = a->decode;
    o.command_line = antispoof::cli::CommandLine();
    o.dist = antispoof::train::ResolveDistOptions(a->dist);
    auto summary = antispoof::train::Train(o);
    if (o.dist.rank == 0) std::printf("%s\n", summary.dump(2).c_str());  // once per run
    return 0;
  });
}, 20}};
}  // namespace
