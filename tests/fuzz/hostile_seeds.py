#!/usr/bin/python3
"""Writes the hostile and PyTorch-written seeds of tests/fuzz/corpus/ (run with Debian's
/usr/bin/python3, which has torch 1.13). The studio's own writers make the other seeds
(FT_FUZZ_WRITE_SEEDS, fuzz_support.cpp). Usage: hostile_seeds.py CORPUS_DIR"""
import gzip
import io
import struct
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch

out = Path(sys.argv[1])


def write(kind, name, data):
    (out / kind).mkdir(parents=True, exist_ok=True)
    (out / kind / name).write_bytes(data)


def saved(obj, legacy=False):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
    return buf.getvalue()


torch.manual_seed(0)
linear = torch.nn.Linear(4, 3)
bn = torch.nn.BatchNorm2d(3)
state = OrderedDict(list(linear.state_dict().items()) + [("bn." + k, v) for k, v in bn.state_dict().items()])
base = torch.arange(12, dtype=torch.float32)
views = OrderedDict(a=base[:6].view(2, 3), b=base[6:], t=base.view(3, 4).t(), h=base.half()[:4],
                    d=base.double()[::3], i=torch.arange(5, dtype=torch.int64), u=torch.ones(2, dtype=torch.uint8))

# PyTorch's own writers: zip (default since 1.6) and the legacy format, plain and nested.
write("pth", "torch-zip.pth", saved(state))
write("pth", "torch-legacy.pth", saved(state, legacy=True))
write("pth", "torch-views-zip.pth", saved(views))
write("pth", "torch-views-legacy.pth", saved(views, legacy=True))
write("pth", "torch-checkpoint.pth", saved({"model": state, "epoch": 3, "optimizer": {"lr": 0.01}}))
write("pth", "torch-module-prefix.pth", saved(OrderedDict(("module." + k, v) for k, v in state.items())))


def pickle_bytes(body):
    return b"\x80\x02" + body + b"."


# Hostile pickles (small forms: the fuzzer grows them): deep nesting, a global off the
# allow-list, a REDUCE of a builtin, a memo reference never stored, huge length prefixes.
write("pth", "nested-marks.pth", pickle_bytes(b"(" * 5000 + b"]" + b"e" * 4999))
write("pth", "nested-lists.pth", pickle_bytes(b"]q\x00" + b"]" * 3000 + b"a" * 2999))
write("pth", "global-system.pth", pickle_bytes(b"cposix\nsystem\nq\x00X\x04\x00\x00\x00truep\x01\x85R"))
write("pth", "reduce-eval.pth", pickle_bytes(b"c__builtin__\neval\nX\x03\x00\x00\x001+1\x85R"))
write("pth", "memo-missing.pth", pickle_bytes(b"h\x07"))
write("pth", "huge-string.pth", pickle_bytes(b"X\xff\xff\xff\x7f"))
write("pth", "huge-bytes8.pth", pickle_bytes(b"\x8e" + struct.pack("<Q", 1 << 62)))
write("pth", "many-opcodes.pth", pickle_bytes(b"]" * 20000))

# A zip whose data.pkl is deflated and claims 4 GB (torch.save stores records uncompressed).
bomb = io.BytesIO()
with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("archive/data.pkl", b"\x00" * (1 << 20))
data = bytearray(bomb.getvalue())
# Patch the central directory's uncompressed size of the only entry to 0xFFFFFFFF.
cd = data.rfind(b"PK\x01\x02")
data[cd + 24:cd + 28] = struct.pack("<I", 0xFFFFFFFF)
write("pth", "zip-bomb.pth", bytes(data))

# IDX: a gzip file whose payload is far larger than its header's shape says, and one whose
# header claims 60000 x 60000 x 60000 images.
write("idx", "gzip-longer.idx", gzip.compress(struct.pack(">IIII", 0x803, 2, 2, 2) + b"\x00" * 100000))
write("idx", "huge-shape.idx", struct.pack(">IIII", 0x803, 60000, 60000, 60000) + b"\x00" * 64)

# safetensors: a header that claims a huge length, offsets past the end, overlapping tensors.
def st(header):
    h = header.encode()
    return struct.pack("<Q", len(h)) + h


write("safetensors", "huge-header-length.safetensors", struct.pack("<Q", 1 << 60) + b"{}")
write("safetensors", "offsets-past-end.safetensors",
      st('{"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4000000000000]}}'))
write("safetensors", "overlap.safetensors",
      st('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}')
      + b"\x00" * 12)
write("safetensors", "nested-metadata.safetensors", st('{"__metadata__":' + "[" * 5000 + "]" * 5000 + "}"))

# config: deep nesting in a known key, a float beyond double, integers past 32 and 64 bits.
write("config", "deep-nesting.json", ('{"train": {"epochs": ' + "[" * 20000 + "]" * 20000 + "}}").encode())
write("config", "huge-float.json", b'{"optim": {"lr": 1e309}}')
write("config", "epochs-overflow.json", b'{"train": {"epochs": 4294967297}, "seed": -1}')
write("config", "huge-integer.json", b'{"seed": 123456789012345678901234567890}')
