#!/usr/bin/env python3
"""How far simple countermeasures get on a corpus in the ASVspoof 2019 LA layout (docs/demo_recipe.md).

Two probes, both on the first 2 s of each utterance (tile-padded as the reference does) unless --whole:
  ltas  logistic regression on the mean and standard deviation of the log power spectrum over speech
        frames (512-point frames, 160-sample hop, the 30 % quietest frames dropped);
  cnn   a 4-layer 2-D CNN on the per-bin standardised log power spectrogram, trained with the
        reference's weighted cross-entropy (0.1 spoof, 0.9 bona fide), Adam 1e-3, batch 16.
Prints pooled and per-attack EERs (%) for dev and eval. Higher score = more bona fide.

Needs python3-numpy and python3-torch (Debian packages) and ffmpeg; not part of the C++ build.
Usage: scripts/probes/corpus_ceiling.py data/corpus [--probe ltas|cnn|both] [--epochs 12] [--threads 2]
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch

SPLITS = {"train": "trn", "dev": "trl", "eval": "trl"}


def load_split(root, split):
    proto = os.path.join(root, "ASVspoof2019_LA_cm_protocols", f"ASVspoof2019.LA.cm.{split}.{SPLITS[split]}.txt")
    rows = []
    with open(proto) as f:
        for line in f:
            spk, utt, _, attack, key = line.split()
            path = os.path.join(root, f"ASVspoof2019_LA_{split}", "flac", utt + ".flac")
            raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-f", "f32le", "-"],
                                 capture_output=True, check=True).stdout
            rows.append((attack, 1 if key == "bonafide" else 0, np.frombuffer(raw, dtype=np.float32)))
    return rows


def fit_length(x, nb):
    if nb <= 0 or len(x) >= nb:
        return x[:nb] if nb > 0 else x
    return np.tile(x, int(np.ceil(nb / len(x))))[:nb]


def log_power(x):
    frames = np.lib.stride_tricks.sliding_window_view(x, 512)[::160] * np.hanning(512)
    return np.log(np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-8)  # [T, 257]


def eer(scores, labels):
    order = np.argsort(scores)
    y = labels[order]
    frr = np.cumsum(y) / y.sum()
    far = 1 - np.cumsum(1 - y) / (len(y) - y.sum())
    i = np.argmin(np.abs(frr - far))
    return 100 * (frr[i] + far[i]) / 2


def report(name, scores, data):
    for split in ("dev", "eval"):
        y = np.array([r[1] for r in data[split]])
        a = np.array([r[0] for r in data[split]])
        s = scores[split]
        per = {k: round(eer(s[(a == "-") | (a == k)], y[(a == "-") | (a == k)]), 1) for k in sorted(set(a) - {"-"})}
        print(f"{name} {split}: EER {eer(s, y):.1f} %  per attack {per}")


def ltas_probe(data, nb):
    def feats(x):
        p = log_power(fit_length(x, nb))
        e = p.mean(1)
        p = p[e > np.percentile(e, 30)]
        return np.concatenate([p.mean(0), p.std(0)])

    X = {s: np.stack([feats(r[2]) for r in rows]) for s, rows in data.items()}
    mu, sd = X["train"].mean(0), X["train"].std(0) + 1e-6
    T = {s: torch.tensor((v - mu) / sd, dtype=torch.float32) for s, v in X.items()}
    y = torch.tensor([r[1] for r in data["train"]], dtype=torch.float32)
    lin = torch.nn.Linear(T["train"].shape[1], 1)
    opt = torch.optim.Adam(lin.parameters(), lr=1e-2, weight_decay=0.1)
    for _ in range(500):
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(lin(T["train"]).squeeze(1), y,
                                                                    pos_weight=torch.tensor(3.0))
        loss.backward()
        opt.step()
    with torch.no_grad():
        report("ltas", {s: lin(T[s]).squeeze(1).numpy() for s in ("dev", "eval")}, data)


def cnn_probe(data, nb, epochs, batch):
    X = {s: torch.tensor(np.stack([log_power(fit_length(r[2], nb)).T for r in rows]), dtype=torch.float32)
         for s, rows in data.items()}
    mu = X["train"].mean((0, 2), keepdim=True)
    sd = X["train"].std((0, 2), keepdim=True)
    X = {s: ((v - mu) / sd).unsqueeze(1) for s, v in X.items()}
    y = torch.tensor([r[1] for r in data["train"]])

    def stage(cin, cout, pool):
        layers = [torch.nn.Conv2d(cin, cout, 3, padding=1), torch.nn.BatchNorm2d(cout), torch.nn.ReLU()]
        return layers + ([torch.nn.MaxPool2d(2)] if pool else [])

    net = torch.nn.Sequential(*stage(1, 16, True), *stage(16, 32, True), *stage(32, 64, True),
                              *stage(64, 64, False), torch.nn.AdaptiveMaxPool2d(1), torch.nn.Flatten(),
                              torch.nn.Linear(64, 2))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    weights = torch.tensor([0.1, 0.9])
    n = len(y) - len(y) % batch
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(y))
        total = 0.0
        for b in range(0, n, batch):
            i = perm[b:b + batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(X["train"][i]), y[i], weight=weights)
            loss.backward()
            opt.step()
            total += loss.item()
        print(f"cnn epoch {epoch + 1}: train loss {total / (n // batch):.3f}", file=sys.stderr)
    net.eval()
    with torch.no_grad():
        report("cnn", {s: torch.log_softmax(net(X[s]), 1)[:, 1].numpy() for s in ("dev", "eval")}, data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", help="corpus root (the folder holding LA/, or LA/ itself)")
    ap.add_argument("--probe", choices=["ltas", "cnn", "both"], default="both")
    ap.add_argument("--nb-samp", type=int, default=32000, help="samples kept per utterance (0 = whole file)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    root = args.root if os.path.isdir(os.path.join(args.root, "ASVspoof2019_LA_cm_protocols")) \
        else os.path.join(args.root, "LA")
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    data = {s: load_split(root, s) for s in SPLITS}
    print(f"corpus {root}: " + ", ".join(f"{s} {len(v)}" for s, v in data.items()) + f"; nb_samp {args.nb_samp}")
    if args.probe in ("ltas", "both"):
        ltas_probe(data, args.nb_samp)
    if args.probe in ("cnn", "both"):
        cnn_probe(data, args.nb_samp, args.epochs, args.batch)


if __name__ == "__main__":
    main()
