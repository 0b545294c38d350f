#!/usr/bin/env python3
"""Writes the fuzz seed corpora (fuzz/corpus/<target>/) from scratch: small protocols, score files,
configs, checkpoints (zip and legacy formats, pickled without PyTorch) and audio files."""
import io
import math
import os
import pickle
import struct
import sys
import types
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- protocols (first byte: the format asked for) ---
put("protocol", "cm5", b"\x00" + b"LA_0079 LA_T_1138215 - - bonafide\nLA_0079 LA_T_1271820 - A01 spoof\n")
put("protocol", "cm4", b"\x02" + b"flac LA_T_1 A01 spoof\nLA_0001 LA_T_2 - bonafide\n")
put("protocol", "cm3", b"\x03" + b"\xef\xbb\xbfLA_T_1 - bonafide\r\nLA_T_2 A02 spoof \r\n")
put("protocol", "trial", b"\x04" + b"LA_E_1\nLA_E_2\n\n")
put("protocol", "bad", b"\x00" + b"a b c d\nx y - A1 maybe\n")

# --- score files (optional "\n====\n" then a key protocol) ---
put("score_file", "four", "LA_T_1 - bonafide 1.5\nLA_T_2 A01 spoof -2.25\n")
put("score_file", "two_join", "u1 0.5\nu2 -1e-3\n\n====\nS u1 - - bonafide\nS u2 - A07 spoof\n")
put("score_file", "six", "LA_0001 u1 - - bonafide 3\nLA_0002 u2 - A03 spoof nan\n")
put("score_file", "dup", "u1 1\nu1 2\n")
put("score_file", "asvspoof5_join", "filename\tcm-score\nE_1\t0.01\nE_2\t-2.5\n\n====\n"
    "filename\tcm-label\tattack_anon\nE_1\tbonafide\tbonafide\nE_2\tspoof\tA11\n")

# --- configs ---
put("config", "yaml", """batch_size: 4
num_epochs: 1
lr: 0.001
model:
  nb_samp: 16000
  first_conv: 1024
  in_channels: 1
  filts: [20, [20, 20], [20, 32], [32, 32]]
  blocks: [2, 4]
  nb_fc_node: 16
  gru_node: 16
  nb_gru_layer: 3
  nb_classes: 2
  attention: se
""")
put("config", "aasist", '{"model_config": {"architecture": "RawNet2", "nb_samp": 64600, "first_conv": 1024},'
    ' "optim_config": {"optimizer": "adam", "base_lr": 0.0001, "betas": [0.9, 0.999], "scheduler": "none"},'
    ' "batch_size": 32, "num_epochs": 100}')
put("config", "bad", "model:\n  nb_samp: x\nlr: [1, 2]\nunknown: 3\n")

# --- checkpoints: pickles as torch.save writes them, made with stand-in torch globals ---
torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
torch._utils = utils
sys.modules["torch"] = torch
sys.modules["torch._utils"] = utils


class FloatStorage:
    pass


FloatStorage.__module__ = "torch"
torch.FloatStorage = FloatStorage


def _rebuild_tensor_v2(*args):
    pass


_rebuild_tensor_v2.__module__ = "torch._utils"
utils._rebuild_tensor_v2 = _rebuild_tensor_v2


class Storage:
    def __init__(self, key, numel, view=None):
        self.key, self.numel, self.view = key, numel, view


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, OrderedDictArgs())

    def __reduce__(self):
        return (_rebuild_tensor_v2, self.args)


class OrderedDictArgs:
    def __reduce__(self):
        import collections
        return (collections.OrderedDict, ())


class Pickler(pickle.Pickler):
    def __init__(self, f, legacy):
        super().__init__(f, protocol=2)
        self.legacy = legacy

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            pid = ("storage", FloatStorage, obj.key, "cpu", obj.numel)
            return pid + (obj.view,) if self.legacy else pid
        return None


def state_dict_pickle(legacy):
    import collections
    a = Storage("0", 6)
    b = Storage("1", 2)
    sd = collections.OrderedDict()
    sd["w"] = Tensor(a, 0, (2, 3), (3, 1))
    sd["b"] = Tensor(b, 0, (2,), (1,))
    sd["t"] = Tensor(a, 1, (2,), (3,))  # a strided view sharing storage 0
    f = io.BytesIO()
    Pickler(f, legacy).dump(sd)
    return f.getvalue()


floats = {"0": struct.pack("<6f", *[0.5 * i for i in range(6)]), "1": struct.pack("<2f", 1.0, -1.0)}

z = io.BytesIO()
with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
    zf.writestr("archive/data.pkl", state_dict_pickle(False))
    zf.writestr("archive/byteorder", "little")
    for k, v in floats.items():
        zf.writestr("archive/data/" + k, v)
    zf.writestr("archive/version", "3\n")
put("checkpoint", "zip.pth", z.getvalue())

legacy = io.BytesIO()
for obj in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True,
                                           "type_sizes": {"short": 2, "int": 4, "long": 4}}):
    pickle.dump(obj, legacy, protocol=2)
legacy.write(state_dict_pickle(True))
pickle.dump(["0", "1"], legacy, protocol=2)
for k in ("0", "1"):
    legacy.write(struct.pack("<q", len(floats[k]) // 4) + floats[k])
put("checkpoint", "legacy.pth", legacy.getvalue())
put("checkpoint", "evil.pth", b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")


# --- audio (first byte: flags) ---
def wav(samples, rate=16000, channels=1, bits=16, fmt=1):
    if fmt == 3:
        data = struct.pack("<%df" % len(samples), *samples)
    else:
        data = struct.pack("<%dh" % len(samples), *[max(-32768, min(32767, int(x * 32768))) for x in samples])
    block = channels * bits // 8
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, fmt, channels, rate, rate * block, block, bits) +
            b"data" + struct.pack("<I", len(data)) + data)


tone = [0.3 * math.sin(2 * math.pi * 440 * i / 16000) for i in range(400)]
put("audio", "mono16k.wav", b"\x00" + wav(tone))
put("audio", "stereo_mix.wav", b"\x01" + wav(tone, channels=2))
put("audio", "8k_resample.wav", b"\x02" + wav(tone[:200], rate=8000))
put("audio", "float.wav", b"\x08" + wav(tone[:50], fmt=3, bits=32))
put("audio", "one_sample.wav", b"\x00" + wav([0.25]))
