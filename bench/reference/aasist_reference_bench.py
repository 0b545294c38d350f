#!/usr/bin/env python3
"""Times the official PyTorch AASIST (models/AASIST.py of a clovaai/aasist checkout, imported from there,
not copied) with the phases and conventions of `antispoof bench`: random inputs N(0, 0.1^2) of nb_samp
samples, one untimed warm-up, the median of `repeats` timed runs (batch 1 gets 3x as many), a training
step = forward, class-weighted cross-entropy (0.1 spoof, 0.9 bona fide), backward and an Adam step
(lr 1e-4, weight decay 1e-4). Prints one JSON object on stdout (milliseconds per utterance)."""
import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import time


def load_model_class(repo):
    path = os.path.join(repo, "models", "AASIST.py")
    if not os.path.isfile(path):
        sys.exit(f"aasist_reference_bench: {path} not found (--aasist-repo must be a clovaai/aasist checkout)")
    spec = importlib.util.spec_from_file_location("reference_aasist", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Model


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
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--aasist-repo", required=True, help="a clovaai/aasist checkout")
    ap.add_argument("--conf", required=True, help="the reference's JSON .conf (model_config is used)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    try:
        with open(args.conf) as f:
            model_config = json.load(f)["model_config"]
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"aasist_reference_bench: {args.conf}: not a readable AASIST .conf with model_config ({e})")
    nb_samp = model_config["nb_samp"]
    torch.manual_seed(1)
    model = load_model_class(args.aasist_repo)(model_config)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch,
           "nb_samp": nb_samp, "repeats": args.repeats,
           "parameters": sum(p.numel() for p in model.parameters())}

    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
    criterion = torch.nn.CrossEntropyLoss(weight=torch.tensor([0.1, 0.9]))
    x = torch.randn(args.batch, nb_samp) * 0.1
    y = torch.randint(0, 2, (args.batch,))

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x, Freq_aug=False)[1], y)
        loss.backward()
        optimizer.step()

    out["train_ms_per_utt_b32"] = time_runs(step, 1, args.repeats, args.batch)
    out["train_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    model.eval()
    with torch.no_grad():
        out["infer_ms_per_utt_b32"] = time_runs(lambda: model(x), 1, args.repeats, args.batch)
        x1 = torch.randn(1, nb_samp) * 0.1
        out["infer_ms_per_utt_b1"] = time_runs(lambda: model(x1), 1, 3 * args.repeats, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
