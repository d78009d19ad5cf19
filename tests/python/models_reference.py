#!/usr/bin/python3
"""Reference data from torchvision for tests/core/models_resnet_test.cpp.

Usage: models_reference.py OUT_DIR [--models TAG[,TAG...]] [--parity TAG[,TAG...]|none]

For every model TAG (default: all) in resnet18_10, resnet34_10, resnet50_10, resnet101_10, resnet18_1000 (architecture and
number of classes) writes OUT_DIR/TAG.json:
  arch, num_classes,
  state_dict: [{key, shape, dtype}] in state_dict() order,
  parameters: [{key, shape}] in named_parameters() order,
  buffers:    [{key, shape, dtype}] in named_buffers() order,
  counts:     {total, head, backbone} parameter elements (head = fc.*).
For the TAGs given with --parity (default resnet18_10,resnet50_10) also OUT_DIR/TAG.bin, one blob
of raw little-endian tensors (C order), and in the JSON:
  state_dict[i].offset / .nbytes   every weight and buffer (float32, num_batches_tracked int64),
  tensors: {name: {shape, dtype, offset, nbytes}} for
    input              seeded float32 [2, 3, 64, 64]
    eval_logits        model.eval()(input)
    train_logits       model.train()(input), run after eval_logits
    train_bn1_running_mean / train_bn1_running_var / train_bn1_num_batches_tracked
                       bn1's buffers after that train-mode forward.
BatchNorm running statistics are calibrated on seeded inputs and, with BatchNorm weights and
biases, perturbed (seeded) before anything is written, so eval-mode parity exercises them.
Runs with torch.set_num_threads(2), recorded as num_threads for parity TAGs: with one thread,
PyTorch 1.13 sends 1x1 convolutions on small batches to another kernel than oneDNN (ResNet-50
logits move by ~1e-4), so the C++ side uses the same count to compare closely.
Runs on /usr/bin/python3 (PyTorch 1.13, torchvision 0.14); needs no network and no weights.
Exits with 77 (and a message on stderr) when torch or torchvision cannot be imported.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_blob import Blob  # noqa: E402

try:
    import torch
    import torchvision
except ImportError as error:  # the C++ test skips on 77
    print(f"models_reference.py: cannot import torch/torchvision ({error})", file=sys.stderr)
    sys.exit(77)

MODELS = {
    "resnet18_10": ("resnet18", 10),
    "resnet34_10": ("resnet34", 10),
    "resnet50_10": ("resnet50", 10),
    "resnet101_10": ("resnet101", 10),
    "resnet18_1000": ("resnet18", 1000),
}
DTYPES = {torch.float32: "float32", torch.int64: "int64"}


def dtype_name(t):
    if t.dtype not in DTYPES:
        raise SystemExit(f"unexpected dtype {t.dtype}")
    return DTYPES[t.dtype]


def calibrate_batchnorm(model, generator):
    """Gives BatchNorm layers statistics like a trained network's, then perturbs them.

    Running statistics come from one train-mode pass over a seeded batch (momentum None, i.e.
    the cumulative average, which after one pass is that batch's statistics), so eval-mode
    activations stay O(1) through 50 layers and logits stay small enough for an absolute 1e-4
    comparison to mean something. Weights, biases and the statistics are
    then perturbed so that every BatchNorm term is exercised.
    """
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for m in bns:
            m.momentum = None  # cumulative moving average
        model.train()
        model(torch.randn(4, 3, 64, 64, generator=generator))
        for m in bns:
            n = m.num_features
            m.momentum = 0.1
            m.weight.copy_(0.8 + 0.4 * torch.rand(n, generator=generator))
            m.bias.copy_(0.2 * torch.rand(n, generator=generator) - 0.1)
            noise = torch.randn(n, generator=generator)
            m.running_mean.add_(0.05 * m.running_var.sqrt() * noise)
            m.running_var.mul_(0.9 + 0.2 * torch.rand(n, generator=generator))
            m.num_batches_tracked.fill_(7)


def describe(tag, parity, out_dir):
    arch, num_classes = MODELS[tag]
    torch.manual_seed(1234)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)
    generator = torch.Generator().manual_seed(99)
    if parity:
        calibrate_batchnorm(model, generator)

    state = model.state_dict()
    doc = {
        "arch": arch,
        "num_classes": num_classes,
        "state_dict": [
            {"key": k, "shape": list(v.shape), "dtype": dtype_name(v)} for k, v in state.items()
        ],
        "parameters": [{"key": k, "shape": list(p.shape)} for k, p in model.named_parameters()],
        "buffers": [
            {"key": k, "shape": list(b.shape), "dtype": dtype_name(b)}
            for k, b in model.named_buffers()
        ],
    }
    total = sum(p.numel() for p in model.parameters())
    head = sum(p.numel() for k, p in model.named_parameters() if k.startswith("fc."))
    doc["counts"] = {"total": total, "head": head, "backbone": total - head}

    if parity:
        blob = Blob(os.path.join(out_dir, tag + ".bin"))
        for entry, tensor in zip(doc["state_dict"], state.values()):
            entry.update(blob.write(tensor))
        tensors = {}

        def put(name, tensor):
            tensors[name] = {"shape": list(tensor.shape), "dtype": dtype_name(tensor)}
            tensors[name].update(blob.write(tensor))

        x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(7))
        put("input", x)
        with torch.no_grad():
            model.eval()
            put("eval_logits", model(x))
            model.train()
            put("train_logits", model(x))
        put("train_bn1_running_mean", model.bn1.running_mean)
        put("train_bn1_running_var", model.bn1.running_var)
        put("train_bn1_num_batches_tracked", model.bn1.num_batches_tracked.reshape(1))
        blob.close()
        doc["tensors"] = tensors
        doc["num_threads"] = torch.get_num_threads()
        doc["blob"] = tag + ".bin"

    with open(os.path.join(out_dir, tag + ".json"), "w") as f:
        json.dump(doc, f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--parity", default="resnet18_10,resnet50_10")
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    parity = set(filter(None, args.parity.split(","))) - {"none"}
    wanted = list(filter(None, args.models.split(",")))
    wanted += sorted(parity - set(wanted))
    for tag in wanted:
        if tag not in MODELS:
            raise SystemExit(f"unknown model tag {tag}; use one of {', '.join(MODELS)}")
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(2)
    for tag in wanted:
        describe(tag, tag in parity, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
