#!/usr/bin/env python3
"""Cross-check of antispoof's training dynamics: RawNet2 written in PyTorch from the published baseline
(the ASVspoof 2021 LA baseline: reference bn1 quirk, FMS, GRU 3 x 1024), trained with the demo's recipe
(conf/experiments/demo.yaml: 2-s inputs, batch 16, Adam lr 5e-4 with L2 1e-4, 40-step warm-up, cosine
decay, weighted CE 0.1/0.9, last partial batch dropped) on a corpus in the ASVspoof 2019 LA layout.
Prints the mean training loss and the dev EER (%) per epoch, to set beside `antispoof train`'s epochs.csv.
The fixed front end (sinc, abs, max-pool 3) is computed once by FFT, as `cache_front_end: true` does;
with --random-crop each training step instead takes a fresh random 2-s window of every utterance (a
shorter one is tiled from a random start), an augmentation the reference does not use.

Needs python3-numpy and python3-torch (Debian packages) and ffmpeg; not part of the C++ build.
Usage: scripts/probes/reference_rawnet2.py data/corpus [--epochs 7] [--seed 1] [--threads 2] [--random-crop]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_ceiling import eer, fit_length, load_split  # noqa: E402

NB_SAMP = 32000


def sinc_bank():
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)
    edges = hz(np.linspace(mel(0), mel(8000), 21))
    n = np.arange(1025)
    t = n - 512
    window = 0.54 - 0.46 * np.cos(2 * np.pi * n / 1024)
    band = lambda f: 2 * f / 16000 * np.sinc(2 * f * t / 16000)
    return np.stack([window * (band(edges[i + 1]) - band(edges[i])) for i in range(20)])


def front_end(waves, bank):
    x = torch.tensor(np.stack(waves), dtype=torch.float64)
    length = x.shape[1]
    nfft = 1 << int(np.ceil(np.log2(length + 1024)))
    taps = torch.tensor(bank[:, ::-1].copy())
    y = torch.fft.irfft(torch.fft.rfft(x, nfft)[:, None, :] * torch.fft.rfft(taps, nfft)[None], nfft)
    return F.max_pool1d(y[:, :, 1024:length].abs(), 3).float()  # valid convolution, [B, 20, T]


class Block(nn.Module):
    def __init__(self, cin, cout, first=False):
        super().__init__()
        self.first = first
        if not first:
            self.bn1 = nn.BatchNorm1d(cin)
        self.conv1 = nn.Conv1d(cin, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm1d(cout)
        self.conv2 = nn.Conv1d(cout, cout, 3, padding=1)
        self.conv_downsample = nn.Conv1d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        if not self.first:
            F.leaky_relu(self.bn1(x), 0.3)  # the reference computes and discards it (SPEC: the quirk)
        out = self.conv2(F.leaky_relu(self.bn2(self.conv1(x)), 0.3))
        identity = self.conv_downsample(x) if self.conv_downsample is not None else x
        return F.max_pool1d(out + identity, 3)


class RawNet2(nn.Module):
    def __init__(self):
        super().__init__()
        self.first_bn = nn.BatchNorm1d(20)
        channels = [(20, 20), (20, 20), (20, 128), (128, 128), (128, 128), (128, 128)]
        self.blocks = nn.ModuleList([Block(a, b, i == 0) for i, (a, b) in enumerate(channels)])
        self.fms = nn.ModuleList([nn.Linear(b, b) for _, b in channels])
        self.bn_before_gru = nn.BatchNorm1d(128)
        self.gru = nn.GRU(128, 1024, 3, batch_first=True)
        self.fc1_gru = nn.Linear(1024, 1024)
        self.fc2_gru = nn.Linear(1024, 2)

    def forward(self, features):
        x = F.selu(self.first_bn(features))
        for block, fms in zip(self.blocks, self.fms):
            x = block(x)
            s = torch.sigmoid(fms(x.mean(2)))[:, :, None]
            x = x * s + s
        x = F.selu(self.bn_before_gru(x)).permute(0, 2, 1)
        x, _ = self.gru(x)
        return F.log_softmax(self.fc2_gru(self.fc1_gru(x[:, -1])), 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", help="corpus root (the folder holding LA/, or LA/ itself)")
    ap.add_argument("--epochs", type=int, default=7)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--random-crop", action="store_true")
    args = ap.parse_args()
    root = args.root if os.path.isdir(os.path.join(args.root, "ASVspoof2019_LA_cm_protocols")) \
        else os.path.join(args.root, "LA")
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    bank = sinc_bank()
    feats, labels = {}, {}
    for split in ("train", "dev"):
        rows = load_split(root, split)
        waves = [fit_length(r[2], NB_SAMP) for r in rows]
        if split == "train":
            raw_train = [r[2] for r in rows]
        feats[split] = torch.cat([front_end(waves[i:i + 50], bank) for i in range(0, len(waves), 50)])
        labels[split] = torch.tensor([r[1] for r in rows])
    crop_rng = np.random.default_rng(args.seed)

    def random_crop(x):
        n = len(x)
        if n >= NB_SAMP:
            start = crop_rng.integers(0, n - NB_SAMP + 1)
            return x[start:start + NB_SAMP]
        start = crop_rng.integers(0, n)
        return np.tile(x, int(np.ceil((NB_SAMP + start) / n)) + 1)[start:start + NB_SAMP]
    net = RawNet2()
    trainable = [p for name, p in net.named_parameters() if ".bn1." not in name]
    opt = torch.optim.Adam(trainable, lr=args.lr, weight_decay=1e-4)
    per_epoch = len(labels["train"]) // args.batch
    steps = per_epoch * args.epochs
    schedule = lambda k: (k + 1) / args.warmup if k < args.warmup else \
        0.5 * (1 + np.cos(np.pi * (k - args.warmup) / max(1, steps - args.warmup)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    weights = torch.tensor([0.1, 0.9])
    print("epoch,train_loss,dev_eer_percent")
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(len(labels["train"]))
        total = 0.0
        for b in range(per_epoch):
            i = perm[b * args.batch:(b + 1) * args.batch]
            opt.zero_grad()
            inputs = front_end([random_crop(raw_train[k]) for k in i.tolist()], bank) if args.random_crop \
                else feats["train"][i]
            loss = F.nll_loss(net(inputs), labels["train"][i], weight=weights)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        net.eval()
        with torch.no_grad():
            scores = torch.cat([net(feats["dev"][i:i + 50])[:, 1] for i in range(0, len(labels["dev"]), 50)])
        print(f"{epoch + 1},{total / per_epoch:.4f},{eer(scores.numpy(), labels['dev'].numpy()):.1f}", flush=True)


if __name__ == "__main__":
    main()
