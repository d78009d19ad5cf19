#!/usr/bin/python3
"""Reference data from torchvision 0.14 for tests/core/models_zoo_test.cpp: every architecture
of the model zoo beyond the ResNets (which tests/python/models_reference.py covers).

Usage: zoo_reference.py OUT_DIR --models NAME[,NAME...]
       zoo_reference.py OUT_DIR --facts NAME[,NAME...]

NAME is torchvision's builder name (mobilenet_v2, mobilenet_v3_small, ...). For each, a model
with 10 classes is built (seed 1234), its BatchNorm statistics calibrated and perturbed, its
LayerNorm terms and layer scales perturbed (seeded) so that eval mode exercises every term, and written to OUT_DIR/NAME.bin + OUT_DIR/NAME.json
(each under a temporary name first; the JSON comes last, so its presence means complete):
  arch, num_classes, input_size, num_threads,
  state_dict: [{key, shape, dtype, offset, nbytes}] in state_dict() order (the values),
  parameters: [{key, shape, grad_norm}] in named_parameters() order,
  tensors: {name: {shape, dtype, offset, nbytes}}:
    input          seeded float32 [2, 3, S, S]
    targets        int64 [2]
    eval_logits    model.eval()(input)
    train_logits   model.train()(input) with Dropout and StochasticDepth in eval mode
    train_loss     cross-entropy of train_logits against targets, shape [1]
    grad_first     gradient of the first parameter after train_loss.backward()
    grad_head      gradient of the head's weight
    running_stats  every BatchNorm's running_mean and running_var after that train-mode pass,
                   concatenated in module order
With --facts, OUT_DIR/facts.json instead: per NAME (1000 classes, torchvision's ImageNet head)
  num_params, macs (multiply-accumulates of every Conv2d and Linear for one 224-px image), and
  weights: [{variant, file, acc1, acc5, resize, crop, interpolation, mean, std}] from the
  Weights enum (file names and metadata only; nothing is downloaded).
Runs with torch.set_num_threads(2). Exits with 77 when torch or torchvision cannot be imported.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_blob import Blob  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
    import torchvision
    from torchvision.ops import StochasticDepth
except ImportError as error:  # the C++ test skips on 77
    print(f"zoo_reference.py: cannot import torch/torchvision ({error})", file=sys.stderr)
    sys.exit(77)

# name -> (the head's module path, input side)
MODELS = {
    "mobilenet_v2": ("classifier.1", 64),
    "mobilenet_v3_small": ("classifier.3", 64),
    "mobilenet_v3_large": ("classifier.3", 64),
    "efficientnet_b0": ("classifier.1", 64),
    "alexnet": ("classifier.6", 64),
    "vgg16": ("classifier.6", 64),
    "vgg16_bn": ("classifier.6", 64),
    "densenet121": ("classifier", 64),
    "convnext_tiny": ("classifier.2", 64),
    # Built for 32-px input (2 x 2 patches + the class token): the same weights but a short
    # position embedding; at 224 px Debian's reference BLAS takes ~25 s per forward pass.
    "vit_b_16": ("heads.head", 32),
}
NUM_CLASSES = 10
DTYPES = {torch.float32: "float32", torch.int64: "int64"}


def calibrate_batchnorm(model, generator, size):
    """Running statistics from one train-mode pass over a seeded batch, then every BatchNorm
    term perturbed (seeded); each layer's own momentum is kept."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    momenta = [m.momentum for m in bns]
    with torch.no_grad():
        for m in bns:
            m.momentum = None  # cumulative average: after one pass, that batch's statistics
        model.train()
        model(torch.randn(4, 3, size, size, generator=generator))
        for m, momentum in zip(bns, momenta):
            n = m.num_features
            m.momentum = momentum
            m.weight.copy_(0.8 + 0.4 * torch.rand(n, generator=generator))
            m.bias.copy_(0.2 * torch.rand(n, generator=generator) - 0.1)
            m.running_mean.add_(0.05 * m.running_var.sqrt() * torch.randn(n, generator=generator))
            m.running_var.mul_(0.9 + 0.2 * torch.rand(n, generator=generator))
            m.num_batches_tracked.fill_(7)
    return bns


def perturb_layer_norms(model, generator):
    """Every LayerNorm's terms and ConvNeXt's layer scale (1e-6 at initialisation, which would
    make the blocks vanish from every comparison) perturbed (seeded)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.LayerNorm):
                n = m.weight.numel()
                m.weight.copy_(0.8 + 0.4 * torch.rand(n, generator=generator))
                m.bias.copy_(0.2 * torch.rand(n, generator=generator) - 0.1)
        for key, p in model.named_parameters():
            if key.endswith("layer_scale"):
                p.copy_(0.5 + 0.5 * torch.rand(p.shape, generator=generator))
            # ViT starts with a zero class token and a zero head: logits would all be 0.
            if key in ("class_token", "heads.head.weight", "heads.head.bias"):
                p.copy_(0.02 * torch.randn(p.shape, generator=generator))


def describe(name, out_dir):
    head, size = MODELS[name]
    torch.manual_seed(1234)
    extra = {"image_size": size} if name.startswith("vit") else {}
    model = getattr(torchvision.models, name)(weights=None, num_classes=NUM_CLASSES, **extra)
    generator = torch.Generator().manual_seed(99)
    bns = calibrate_batchnorm(model, generator, size)
    perturb_layer_norms(model, generator)

    blob = Blob(os.path.join(out_dir, name + ".bin.tmp"))
    state = model.state_dict()
    doc = {"arch": name, "num_classes": NUM_CLASSES, "input_size": size, "head": head,
           "num_threads": torch.get_num_threads(), "blob": name + ".bin", "state_dict": []}
    for key, value in state.items():
        entry = {"key": key, "shape": list(value.shape), "dtype": DTYPES[value.dtype]}
        entry.update(blob.write(value))
        doc["state_dict"].append(entry)

    tensors = {}

    def put(tensor_name, tensor):
        tensors[tensor_name] = {"shape": list(tensor.shape), "dtype": DTYPES[tensor.dtype]}
        tensors[tensor_name].update(blob.write(tensor))

    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(7))
    targets = torch.tensor([3, 8])
    put("input", x)
    put("targets", targets)
    with torch.no_grad():
        model.eval()
        put("eval_logits", model(x))
    model.train()
    for m in model.modules():
        if isinstance(m, (torch.nn.Dropout, StochasticDepth)):
            m.eval()
    logits = model(x)
    loss = F.cross_entropy(logits, targets)
    loss.backward()
    put("train_logits", logits)
    put("train_loss", loss.detach().reshape(1))
    params = list(model.named_parameters())
    put("grad_first", params[0][1].grad)
    put("grad_head", dict(params)[head + ".weight"].grad)
    put("running_stats", torch.cat([torch.cat([m.running_mean, m.running_var]) for m in bns])
        if bns else torch.zeros(0))
    doc["parameters"] = [{"key": k, "shape": list(p.shape), "grad_norm": p.grad.norm().item()}
                         for k, p in params]
    doc["tensors"] = tensors
    blob.close()
    os.replace(os.path.join(out_dir, name + ".bin.tmp"), os.path.join(out_dir, name + ".bin"))
    with open(os.path.join(out_dir, name + ".json.tmp"), "w") as f:
        json.dump(doc, f)
    os.replace(os.path.join(out_dir, name + ".json.tmp"), os.path.join(out_dir, name + ".json"))  # last: complete


def facts(names, out_dir):
    doc = {}
    for name in names:
        model = getattr(torchvision.models, name)(weights=None)
        model.eval()
        macs = [0]

        def count(module, inputs, output):
            if isinstance(module, torch.nn.Conv2d):
                kh, kw = module.kernel_size
                macs[0] += output.numel() * (module.in_channels // module.groups) * kh * kw
            elif isinstance(module, torch.nn.Linear):
                macs[0] += output.numel() * module.in_features
            elif isinstance(module, torch.nn.MultiheadAttention):
                # Its projections run as F.linear (no Linear hook fires) and q.k, attn.v.
                n, length, dim = output[0].shape
                macs[0] += n * (4 * length * dim * dim + 2 * length * length * dim)

        hooks = [m.register_forward_hook(count) for m in model.modules()
                 if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.MultiheadAttention))]
        with torch.no_grad():
            model(torch.zeros(1, 3, 224, 224))
        for h in hooks:
            h.remove()
        weights = []
        for w in torchvision.models.get_model_weights(name):
            if w.name not in ("IMAGENET1K_V1", "IMAGENET1K_V2"):
                continue  # VGG-16's FEATURES (no accuracy), ViT's SWAG: not in the studio's catalog
            t = w.transforms()
            metrics = w.meta["_metrics"]["ImageNet-1K"]
            weights.append({"variant": w.name, "file": w.url.rsplit("/", 1)[-1],
                            "acc1": metrics["acc@1"], "acc5": metrics["acc@5"],
                            "resize": t.resize_size[0], "crop": t.crop_size[0],
                            "interpolation": t.interpolation.value,
                            "mean": list(t.mean), "std": list(t.std)})
        doc[name] = {"num_params": sum(p.numel() for p in model.parameters()), "macs": macs[0],
                     "weights": weights}
    with open(os.path.join(out_dir, "facts.json.tmp"), "w") as f:
        json.dump(doc, f)
    os.replace(os.path.join(out_dir, "facts.json.tmp"), os.path.join(out_dir, "facts.json"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--facts", default="")
    args = parser.parse_args()
    if args.facts:
        os.makedirs(args.out_dir, exist_ok=True)
        torch.set_num_threads(2)
        facts(list(filter(None, args.facts.split(","))), args.out_dir)
        return 0
    wanted = list(filter(None, args.models.split(",")))
    for name in wanted:
        if name not in MODELS:
            raise SystemExit(f"unknown model {name}; use one of {', '.join(MODELS)}")
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(2)
    for name in wanted:
        describe(name, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
