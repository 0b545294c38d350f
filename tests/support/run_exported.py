#!/usr/bin/env python3
"""Runs a model that `antispoof export` wrote, for the export tests.

run_exported.py FORMAT MODEL INPUT BATCH SAMPLES OUTPUT
  FORMAT   onnx (onnxruntime, CPU) or torchscript (torch.jit.load)
  INPUT    raw little-endian float32 samples, BATCH x SAMPLES
  OUTPUT   where the [BATCH, 2] float32 outputs are written, raw
"""
import sys

import numpy as np


def main():
    fmt, model, inp, batch, samples, out = sys.argv[1:7]
    x = np.fromfile(inp, dtype=np.float32).reshape(int(batch), int(samples))
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
