#!/usr/bin/env python3
"""Does int8 dynamic quantization pay against bfloat16 on this CPU? Times one GRU-sized layer (a Linear
1024 -> 3072 at batch 32, RawNet2's per-step recurrent GEMM) in float32, under CPU autocast bfloat16, and
dynamically quantized to int8 with every quantized engine this PyTorch has (fbgemm, onednn, qnnpack).
Median of --repeats runs of --inner calls each; prints one JSON object (milliseconds per call)."""
import argparse
import json
import statistics
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--inner", type=int, default=100)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    layer = torch.nn.Linear(1024, 3072).eval()
    x = torch.randn(32, 1024)

    def time_ms(fn):
        for _ in range(5):
            fn()
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for _ in range(args.inner):
                fn()
            runs.append((time.perf_counter() - t0) * 1e3 / args.inner)
        return statistics.median(runs)

    def bf16():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return layer(x)

    out = {"torch": torch.__version__, "threads": torch.get_num_threads(),
           "engines": torch.backends.quantized.supported_engines}
    with torch.no_grad():
        out["fp32_ms"] = time_ms(lambda: layer(x))
        out["bf16_autocast_ms"] = time_ms(bf16)
        for engine in ("fbgemm", "onednn", "qnnpack"):
            if engine not in torch.backends.quantized.supported_engines:
                continue
            torch.backends.quantized.engine = engine
            q = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(layer), {torch.nn.Linear},
                                                       dtype=torch.qint8)
            out[f"int8_dynamic_{engine}_ms"] = time_ms(lambda: q(x))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
