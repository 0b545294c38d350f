#!/usr/bin/env python3
"""Runs a model that `antispoof export` wrote, for the export tests.

run_exported.py FORMAT MODEL INPUT BATCH SAMPLES OUTPUT
  FORMAT   onnx (onnxruntime, CPU) or torchscript (torch.jit.load)
  INPUT    raw little-endian float32 samples, BATCH x SAMPLES, or a 16-bit mono WAV file
           (samples / 32768, as antispoof reads it; BATCH and SAMPLES are then 1 and its length)
  OUTPUT   where the [BATCH, 2] float32 outputs are written, raw
"""
import sys
import wave

import numpy as np


def read_input(path, batch, samples):
    if path.endswith(".wav"):
        with wave.open(path, "rb") as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return (pcm.astype(np.float32) / 32768.0).reshape(1, -1)
    return np.fromfile(path, dtype="<f4").reshape(int(batch), int(samples))


def main():
    fmt, model, inp, batch, samples, out = sys.argv[1:7]
    x = read_input(inp, batch, samples)
    if fmt == "onnx":
        import onnxruntime as ort

        session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        y = session.run(["outputs"], {"x": x})[0]
    elif fmt == "torchscript":
        import torch

        module = torch.jit.load(model)
        module.eval()
        with torch.no_grad():
            y = module(torch.from_numpy(x)).numpy()
    else:
        sys.exit("unknown format " + fmt)
    np.ascontiguousarray(y, dtype=np.float32).tofile(out)


if __name__ == "__main__":
    main()
