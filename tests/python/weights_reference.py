#!/usr/bin/python3
"""Reference files for tests/core/weights_*_test.cpp, written by PyTorch 1.13 / torchvision 0.14.

Usage:
  weights_reference.py make OUT_DIR
  weights_reference.py check ARCH NUM_CLASSES WEIGHTS IO_FILE
  weights_reference.py state WEIGHTS          (prints "ok N" after torch.load(weights_only=True))
  weights_reference.py strict ARCH NUM_CLASSES WEIGHTS   (torchvision load_state_dict(strict=True))
  weights_reference.py same A B               (same keys, dtypes, shapes and values; prints "same N")

make writes into OUT_DIR:
  <arch>_zip.pth, <arch>_legacy.pth   torch.save(model.state_dict()) of a seeded, randomly
      initialised torchvision model (resnet18: 1000 classes, resnet34/resnet50: 10), zip and
      legacy (_use_new_zipfile_serialization=False). BatchNorm statistics are calibrated on
      seeded inputs and perturbed, BatchNorm weights too, so eval-mode parity exercises them.
  <arch>_io.pth                       {"input": [2, 3, 64, 64] float32, "logits": model.eval()(input)}
  resnet18_half.pth                   the resnet18 state dict in float16
  resnet18.safetensors                the resnet18 state dict, written by hand after the spec
  checkpoint.pth                      {"epoch", "model": resnet18 state dict, "optimizer": {...}, ...}
  dataparallel_legacy.pth             {"state_dict": resnet18 state dict with "module." keys}, legacy
  views.pth, views_legacy.pth         tensors sharing one storage: slices, transposes, strides
  whole_model.pth                     torch.save(torch.nn.Linear(3, 2)): a pickled module object
  evil_system.pth                     zip whose data.pkl calls os.system("touch MARKER")
  evil_eval_legacy.pth                legacy file whose main pickle calls builtins.eval(...)
  evil_control.txt                    written by running the same payloads with plain pickle:
                                      proof that they do run when unpickled carelessly
  small.pth                           {"w": arange(64) float32}, the base of the broken files:
  truncated.pth                       small.pth cut in half (no zip directory)
  truncated_legacy.pth                the legacy small.pth cut short inside its storage
  bad_crc.pth                         small.pth with one data byte changed (CRC-32 mismatch)
  short_storage.pth                   a tensor of 100 elements over a storage of 10
  short_record.pth                    a storage said to hold 100 floats whose record has 40 bytes
  big_header.safetensors              header length far past the end of the file
check loads WEIGHTS (.pth via torch.load(weights_only=True) or .safetensors by hand) into
torchvision's ARCH(num_classes=NUM_CLASSES) with strict=True, runs IO_FILE's input in eval mode
and compares with its logits: exit 0 when the max abs difference is <= 1e-4 (printed), else 1.
Exits 77 when torch/torchvision cannot be imported.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

try:
    import torch
    import torchvision
except ImportError as error:
    print(f"weights_reference.py: cannot import torch/torchvision ({error})", file=sys.stderr)
    sys.exit(77)

torch.set_num_threads(2)
CLASSES = {"resnet18": 1000, "resnet34": 10, "resnet50": 10}
ST_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.uint8: "U8", torch.int8: "I8",
             torch.bool: "BOOL"}
ST_BACK = {v: k for k, v in ST_DTYPES.items()}


def make_model(arch, classes, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(num_classes=classes)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.momentum = None  # cumulative average over the calibration batches
        model.train()
        for _ in range(3):
            model(torch.randn(4, 3, 64, 64))
        for bn in bns:
            bn.momentum = 0.1
            bn.running_mean.add_(torch.randn_like(bn.running_mean) * 0.05)
            bn.running_var.mul_(torch.empty_like(bn.running_var).uniform_(0.9, 1.1))
            bn.weight.copy_(torch.empty_like(bn.weight).uniform_(0.5, 1.5))
            bn.bias.copy_(torch.randn_like(bn.bias) * 0.1)
    model.eval()
    return model


def write_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        chunks.append(tensor_bytes(t))
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(chunks[-1])]}
        offset += len(chunks[-1])
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def tensor_bytes(t):
    """Raw little-endian bytes of a contiguous tensor, without numpy."""
    t = t.contiguous().view(-1)
    if t.numel() == 0:
        return b""
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    buffer = io.BytesIO()
    # A one-tensor legacy save ends with the raw storage bytes.
    torch.save(t.clone(), buffer, _use_new_zipfile_serialization=False)
    raw = buffer.getvalue()
    size = t.numel() * t.element_size()
    return raw[len(raw) - size:]


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = collections.OrderedDict()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        b, e = entry["data_offsets"]
        dtype = ST_BACK[entry["dtype"]]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dtype) if e > b else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(entry["shape"]).clone()
    return out


class FakeStorage:
    """Pickles as torch.save's persistent id ('storage', type, key, location, numel)."""

    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class FakeTensor:
    def __init__(self, storage, size, stride):
        self.storage, self.size, self.stride = storage, size, stride

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, 0, self.size, self.stride, False, collections.OrderedDict()))


def write_fake_zip(path, obj, records):
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=2)
    pickler.persistent_id = lambda o: (("storage", torch.FloatStorage, o.key, "cpu", o.numel)
                                       if isinstance(o, FakeStorage) else None)
    pickler.dump(obj)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buffer.getvalue())
        for name, data in records.items():
            z.writestr("archive/" + name, data)
        z.writestr("archive/version", "3\n")


class Evil:
    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def __reduce__(self):
        return (self.function, (self.argument,))


def legacy_with_main_pickle(main_pickle):
    buffer = io.BytesIO()
    for part in (0x1950a86a20f9469cfc6c, 1001, {"protocol_version": 1001, "little_endian": True,
                                                "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(part, buffer, protocol=2)
    buffer.write(main_pickle)
    pickle.dump([], buffer, protocol=2)
    return buffer.getvalue()


def make(out):
    os.makedirs(out, exist_ok=True)
    for index, (arch, classes) in enumerate(CLASSES.items()):
        model = make_model(arch, classes, seed=100 + index)
        # The real thing (an OrderedDict with _metadata), then a copy the later steps cannot change.
        torch.save(model.state_dict(), os.path.join(out, f"{arch}_zip.pth"))
        torch.save(model.state_dict(), os.path.join(out, f"{arch}_legacy.pth"), _use_new_zipfile_serialization=False)
        state = collections.OrderedDict((k, v.clone()) for k, v in model.state_dict().items())
        torch.manual_seed(7)
        x = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            logits = model(x)
        torch.save({"input": x, "logits": logits}, os.path.join(out, f"{arch}_io.pth"))
        if arch == "resnet18":
            torch.save(collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in state.items()),
                       os.path.join(out, "resnet18_half.pth"))
            write_safetensors(os.path.join(out, "resnet18.safetensors"), state, {"format": "pt"})
            optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.1, momentum=0.9)
            model.train()
            model(torch.randn(2, 3, 64, 64)).sum().backward()
            optimizer.step()
            torch.save({"epoch": 3, "model": state, "optimizer": optimizer.state_dict(), "best_acc1": 0.75,
                        "arch": "resnet18", "note": None, "flags": (True, False), "lr": 0.1},
                       os.path.join(out, "checkpoint.pth"))
            torch.save({"state_dict": collections.OrderedDict(("module." + k, v) for k, v in state.items())},
                       os.path.join(out, "dataparallel_legacy.pth"), _use_new_zipfile_serialization=False)
            torch.save(torch.nn.Linear(3, 2), os.path.join(out, "whole_model.pth"))

    base = torch.arange(20, dtype=torch.float32)
    views = collections.OrderedDict([("base", base), ("slice", base[3:7]), ("transposed", base.view(4, 5).t()),
                                     ("strided", base[::3]), ("scalar", torch.tensor(5, dtype=torch.int64)),
                                     ("flags", torch.tensor([True, False, True])),
                                     ("empty", torch.zeros(0, 3)), ("double", torch.tensor([1.5, -2.25], dtype=torch.float64))])
    torch.save(views, os.path.join(out, "views.pth"))
    torch.save(views, os.path.join(out, "views_legacy.pth"), _use_new_zipfile_serialization=False)

    # Hostile files: the payloads would create MARKER files if unpickled carelessly.
    marker = os.path.join(out, "pwned_system")
    evil = pickle.dumps(Evil(os.system, "touch " + marker), protocol=2)
    with zipfile.ZipFile(os.path.join(out, "evil_system.pth"), "w") as z:
        z.writestr("archive/data.pkl", evil)
        z.writestr("archive/version", "3\n")
    marker_eval = os.path.join(out, "pwned_eval")
    evil_eval = pickle.dumps(Evil(eval, f"open({marker_eval!r}, 'w').close()"), protocol=2)
    with open(os.path.join(out, "evil_eval_legacy.pth"), "wb") as f:
        f.write(legacy_with_main_pickle(evil_eval))
    # Proof the payloads are live: the same pickles, aimed at control files, with plain pickle.
    control = os.path.join(out, "control")
    pickle.loads(pickle.dumps(Evil(os.system, "touch " + control + "_system"), protocol=2))
    pickle.loads(pickle.dumps(Evil(eval, f"open({control + '_eval'!r}, 'w').close()"), protocol=2))
    with open(os.path.join(out, "evil_control.txt"), "w") as f:
        f.write("%d %d\n" % (os.path.exists(control + "_system"), os.path.exists(control + "_eval")))

    # Broken files.
    small = os.path.join(out, "small.pth")
    torch.save({"w": torch.arange(64, dtype=torch.float32)}, small)
    torch.save({"w": torch.arange(64, dtype=torch.float32)}, small + ".legacy", _use_new_zipfile_serialization=False)
    blob = open(small, "rb").read()
    open(os.path.join(out, "truncated.pth"), "wb").write(blob[:len(blob) // 2])
    legacy = open(small + ".legacy", "rb").read()
    open(os.path.join(out, "truncated_legacy.pth"), "wb").write(legacy[:-100])
    with zipfile.ZipFile(small) as z:
        info = [i for i in z.infolist() if i.filename.endswith("/data/0")][0]
    # The local header's extra field (PyTorch's alignment padding) differs from the directory's.
    name_length, extra_length = struct.unpack("<HH", blob[info.header_offset + 26:info.header_offset + 30])
    data_start = info.header_offset + 30 + name_length + extra_length
    damaged = bytearray(blob)
    damaged[data_start + 10] ^= 0x55
    open(os.path.join(out, "bad_crc.pth"), "wb").write(bytes(damaged))
    write_fake_zip(os.path.join(out, "short_storage.pth"),
                   {"w": FakeTensor(FakeStorage("0", 10), (100,), (1,))}, {"data/0": bytes(40)})
    write_fake_zip(os.path.join(out, "short_record.pth"),
                   {"w": FakeTensor(FakeStorage("0", 100), (100,), (1,))}, {"data/0": bytes(40)})
    with open(os.path.join(out, "big_header.safetensors"), "wb") as f:
        text = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
        f.write(struct.pack("<Q", 1 << 40))
        f.write(text + bytes(8))


def load_any(path):
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    return torch.load(path, weights_only=True)


def check(arch, classes, weights, io_file):
    state = load_any(weights)
    io_data = load_any(io_file)
    # ViT's position embedding is built for one input size: the input's.
    extra = {"image_size": io_data["input"].shape[-1]} if arch.startswith("vit") else {}
    model = getattr(torchvision.models, arch)(num_classes=int(classes), **extra)
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(io_data["input"])
    diff = (logits - io_data["logits"]).abs().max().item()
    print(f"max abs diff {diff:.3g}")
    return 0 if diff <= 1e-4 else 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "make":
        make(argv[2])
        return 0
    if len(argv) == 6 and argv[1] == "check":
        return check(*argv[2:])
    if len(argv) == 5 and argv[1] == "strict":
        model = getattr(torchvision.models, argv[2])(num_classes=int(argv[3]))
        model.load_state_dict(load_any(argv[4]), strict=True)
        print("ok strict")
        return 0
    if len(argv) == 4 and argv[1] == "same":
        a, b = load_any(argv[2]), load_any(argv[3])
        if list(a.keys()) != list(b.keys()) and sorted(a.keys()) != sorted(b.keys()):
            print("different keys", sorted(a.keys()), sorted(b.keys()))
            return 1
        for k in a:
            if a[k].dtype != b[k].dtype or a[k].shape != b[k].shape or not torch.equal(a[k], b[k]):
                print("different", k, a[k].dtype, b[k].dtype, tuple(a[k].shape), tuple(b[k].shape))
                return 1
        print("same", len(a))
        return 0
    if len(argv) == 3 and argv[1] == "state":
        state = torch.load(argv[2], weights_only=True)
        print("ok", len(state))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
