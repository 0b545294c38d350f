#!/usr/bin/env python3
"""Times the PyTorch reference RawNet2 (the ASVspoof 2021 LA baseline's network as written in
scripts/probes/reference_rawnet2.py, imported from there, plus the baseline's sinc front end as a direct
1025-tap conv1d, abs, max-pool 3) with the phases and conventions of `antispoof bench`: random inputs
N(0, 0.1^2) of 64600 samples, one untimed warm-up, the median of `repeats` timed runs (batch 1 gets 3x
as many), a training step = forward, class-weighted cross-entropy on the log-probabilities (0.1 spoof,
0.9 bona fide), backward and an Adam step (lr 1e-4, weight decay 1e-4) over every parameter but the
bn1 ones (which the reference leaves without gradient). Prints one JSON object on stdout (ms/utt).
Needs python3-numpy and python3-torch (Debian packages)."""
import argparse
import os
import json
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "probes"))
from reference_rawnet2 import RawNet2, sinc_bank  # noqa: E402

NB_SAMP = 64600


class ReferenceRawNet2(torch.nn.Module):
    """The baseline's forward from raw samples: the fixed sinc filters as a direct convolution."""

    def __init__(self):
        super().__init__()
        self.register_buffer("filters", torch.tensor(sinc_bank(), dtype=torch.float32)[:, None, :])
        self.net = RawNet2()

    def forward(self, x):
        x = F.conv1d(x[:, None, :], self.filters)
        return self.net(F.max_pool1d(torch.abs(x), 3))


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
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = ReferenceRawNet2()
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch,
           "nb_samp": NB_SAMP, "repeats": args.repeats,
           "parameters": sum(p.numel() for p in model.parameters())}
    model.train()
    trainable = [p for name, p in model.named_parameters() if ".bn1." not in name]
    optimizer = torch.optim.Adam(trainable, lr=1e-4, weight_decay=1e-4)
    weights = torch.tensor([0.1, 0.9])
    x = torch.randn(args.batch, NB_SAMP) * 0.1
    y = torch.randint(0, 2, (args.batch,))

    def step():
        optimizer.zero_grad()
        loss = F.nll_loss(model(x), y, weight=weights)
        loss.backward()
        optimizer.step()

    out["train_ms_per_utt_b32"] = time_runs(step, 1, args.repeats, args.batch)
    out["train_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    model.eval()
    with torch.no_grad():
        out["infer_ms_per_utt_b32"] = time_runs(lambda: model(x), 1, args.repeats, args.batch)
        x1 = torch.randn(1, NB_SAMP) * 0.1
        out["infer_ms_per_utt_b1"] = time_runs(lambda: model(x1), 1, 3 * args.repeats, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
