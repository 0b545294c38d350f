#!/usr/bin/env python3
"""Times a reference PyTorch countermeasure, imported from its own checkout (never copied), with the phases
and conventions of `antispoof bench`: random inputs N(0, 0.1^2) of nb_samp samples, one untimed warm-up,
the median of `repeats` timed runs (batch 1 gets 3x as many), a training step = forward, class-weighted
cross-entropy (0.1 spoof, 0.9 bona fide), backward and an Adam step (lr 1e-4, weight decay 1e-4).

  --model rawnet2 --repo DIR   DIR/LA/Baseline-RawNet2/model.py of asvspoof-challenge/2021 (the ASVspoof 2021
                               LA baseline) with its model_config_RawNet.yaml
  --model aasist --repo DIR --conf CONF
                               DIR/models/AASIST.py of clovaai/aasist with the model_config of CONF (JSON)
  --compile                    torch.compile the model (PyTorch 2.x; the compile time is reported, not timed)
  --autocast-bf16              run the forward passes under torch.autocast("cpu", dtype=torch.bfloat16), as a
                               PyTorch user asks for bfloat16 (the backward follows autocast's casts)

Runs under whichever Python/PyTorch starts it (Debian's python3-torch 1.13, or a venv with PyPI's torch).
Prints one JSON object on stdout (milliseconds per utterance)."""
import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import time


def fail(message):
    sys.exit(f"reference_bench: {message}")


def load_module(path, name):
    if not os.path.isfile(path):
        fail(f"{path} not found (check --repo)")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    spec.loader.exec_module(module)
    return module


def build_rawnet2(repo):
    """(model, nb_samp, forward for logits): the 2021 LA baseline, its YAML model section unchanged."""
    import yaml
    base = os.path.join(repo, "LA", "Baseline-RawNet2")
    try:
        with open(os.path.join(base, "model_config_RawNet.yaml")) as f:
            d_args = yaml.safe_load(f)["model"]
    except (OSError, KeyError, yaml.YAMLError) as e:
        fail(f"{base}/model_config_RawNet.yaml: not readable ({e})")
    model = load_module(os.path.join(base, "model.py"), "reference_rawnet2").RawNet(d_args, "cpu")
    return model, d_args["nb_samp"], lambda m, x: m(x)


def build_aasist(repo, conf):
    try:
        with open(conf) as f:
            model_config = json.load(f)["model_config"]
    except (OSError, ValueError, KeyError) as e:
        fail(f"{conf}: not a readable AASIST .conf with model_config ({e})")
    model = load_module(os.path.join(repo, "models", "AASIST.py"), "reference_aasist").Model(model_config)
    return model, model_config["nb_samp"], lambda m, x: m(x)[1]


def time_runs(fn, warmup, repeats, per):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3 / per)
    return statistics.median(ms)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=["rawnet2", "aasist"])
    ap.add_argument("--repo", required=True, help="the reference checkout")
    ap.add_argument("--conf", help="AASIST's JSON .conf")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--compile", action="store_true", help="torch.compile the model (PyTorch 2.x)")
    ap.add_argument("--autocast-bf16", action="store_true", help="forward passes under CPU autocast, bfloat16")
    args = ap.parse_args()
    if args.threads < 1 or args.repeats < 1 or args.batch < 1:
        fail("--threads, --repeats and --batch must be >= 1")
    if args.model == "aasist" and not args.conf:
        fail("--model aasist needs --conf (e.g. DIR/config/AASIST.conf)")
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model, nb_samp, logits = build_rawnet2(args.repo) if args.model == "rawnet2" \
        else build_aasist(args.repo, args.conf)
    out = {"model": args.model, "torch": torch.__version__, "threads": torch.get_num_threads(),
           "batch": args.batch, "nb_samp": nb_samp, "repeats": args.repeats, "compiled": args.compile,
           "parameters": sum(p.numel() for p in model.parameters()),
           "precision": "bf16" if args.autocast_bf16 else "fp32"}
    runner = model
    if args.autocast_bf16:
        plain = logits

        def logits(m, x):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return plain(m, x).float()
    if args.compile:
        if not hasattr(torch, "compile"):
            fail(f"--compile needs PyTorch 2.x (this is {torch.__version__})")
        runner = torch.compile(model)

    weight = torch.tensor([0.1, 0.9])
    # As both references train: cross-entropy on the model's output (RawNet2's is a log-softmax already).
    loss_fn = lambda o, y: F.cross_entropy(o, y, weight=weight)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
    x = torch.randn(args.batch, nb_samp) * 0.1
    y = torch.randint(0, 2, (args.batch,))

    def step():
        optimizer.zero_grad()
        loss_fn(logits(runner, x), y).backward()
        optimizer.step()

    t0 = time.perf_counter()
    step()  # with --compile this compiles the training graph
    out["first_train_step_s"] = time.perf_counter() - t0
    out["train_ms_per_utt_b32"] = time_runs(step, 1, args.repeats, args.batch)
    out["train_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    model.eval()
    with torch.no_grad():
        out["infer_ms_per_utt_b32"] = time_runs(lambda: logits(runner, x), 1, args.repeats, args.batch)
        x1 = torch.randn(1, nb_samp) * 0.1
        out["infer_ms_per_utt_b1"] = time_runs(lambda: logits(runner, x1), 2, 3 * args.repeats, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
