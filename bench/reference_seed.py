#!/usr/bin/python3
"""The seed's recipe ("Day 44 - pretrained models") in plain PyTorch, as a user would write it.

Reference side of the benchmark harness (issue 6). Run it with /usr/bin/python3 (PyTorch 1.13 +
torchvision 0.14, the same LibTorch version as the engine). No numpy: the IDX files are read with
gzip + struct and turned into a uint8 tensor.

Recipe (from /work/shared/seed/README.md):
  - torchvision resnet18(num_classes=10); random init (no ImageNet weights offline);
  - freeze every parameter whose name does not contain "fc" for --freeze-epochs epochs, then
    unfreeze and set the optimiser's learning rate to 1e-4;
  - Adam(lr=1e-3, weight_decay=1e-4), CrossEntropyLoss,
    ReduceLROnPlateau(mode='min', factor=0.5, patience=2) stepped on the test loss each epoch;
  - model.train() while training (BatchNorm statistics keep updating while frozen), per-iteration
    loss recorded, model.eval() + no_grad evaluation on the test set every epoch.

Per epoch it reports: end-to-end seconds (training + evaluation, data loading included), training
images/s, train/test accuracy and loss, and peak RSS of the process tree:
  - rss_self_mb: getrusage(RUSAGE_SELF).ru_maxrss;
  - rss_children_mb: getrusage(RUSAGE_CHILDREN).ru_maxrss -- the largest *reaped* child only
    (DataLoader workers are reaped when the iterator ends, i.e. once per epoch);
  - rss_tree_sampled_mb: a background thread samples VmRSS of this process and of every live
    descendant in /proc every 50 ms and keeps the largest *sum* (what the machine actually held).
    Shared copy-on-write pages of forked workers are counted once per process there, so it is an
    upper bound; the getrusage figures are lower bounds;
  - pss_tree_sampled_mb: the same sampling of Pss (/proc/PID/smaps_rollup), which splits shared
    pages between the processes that map them: the fairest single "memory of the tree" figure.
"""
import argparse
import gzip
import json
import os
import random
import resource
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc_tree import TreeRssSampler  # noqa: E402

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
import torchvision
from torchvision import transforms

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    payload = bytearray(data[4 + 4 * dims:])
    return torch.frombuffer(payload, dtype=torch.uint8).reshape(shape)


def stratified_subset(labels, limit, seed):
    """Indices of a class-balanced subset of `limit` images (all when limit <= 0)."""
    n = labels.numel()
    if limit <= 0 or limit >= n:
        return list(range(n))
    rng = random.Random(seed)
    by_class = {}
    for i, y in enumerate(labels.tolist()):
        by_class.setdefault(y, []).append(i)
    chosen = []
    classes = sorted(by_class)
    per_class = limit // len(classes)
    extra = limit - per_class * len(classes)
    for k, c in enumerate(classes):
        idx = by_class[c]
        rng.shuffle(idx)
        chosen.extend(idx[:per_class + (1 if k < extra else 0)])
    chosen.sort()
    return chosen


class FashionMNIST(Dataset):
    def __init__(self, images, labels, indices, transform):
        self.images = images
        self.labels = labels
        self.indices = indices
        self.transform = transform

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        j = self.indices[i]
        # PIL image, as torchvision's own datasets hand to the transforms.
        img = transforms.functional.to_pil_image(self.images[j])
        return self.transform(img), int(self.labels[j])


def rss_report(sampler):
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"rss_self_mb": self_kb / 1024.0,
            "rss_children_mb": child_kb / 1024.0,
            "rss_tree_sampled_mb": sampler.peak_kb / 1024.0,
            "pss_tree_sampled_mb": sampler.peak_pss_kb / 1024.0}


def freeze_model(model, freeze):
    frozen = 0
    total = 0
    for name, p in model.named_parameters():
        total += p.numel()
        if "fc" not in name:
            p.requires_grad = not freeze
            if freeze:
                frozen += p.numel()
    return frozen, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--freeze-epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--eval-batch-size", type=int, default=None,
                    help="test loader batch size (default: the training batch size, as in the seed)")
    ap.add_argument("--input-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--train-limit", type=int, default=0)
    ap.add_argument("--test-limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json-out", default=None, help="write the per-epoch records here (JSON)")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--weights", default=None,
                    help="start from this torchvision-format ResNet-18 state dict (.pth); fc replaced")
    ap.add_argument("--precision", choices=["float32", "bfloat16"], default="float32",
                    help="bfloat16: CPU autocast + channels-last, the strongest peer a user writes")
    ap.add_argument("--flush-denormals", action="store_true",
                    help="torch.set_flush_denormal(True) before any parallel region")
    args = ap.parse_args()

    sampler = TreeRssSampler()
    sampler.start()
    t_start = time.perf_counter()

    if args.flush_denormals:
        torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)

    d = args.data
    train_x = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz"))
    train_y = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"))
    test_x = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"))
    test_y = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"))

    s = args.input_size
    train_tf = transforms.Compose([
        transforms.Resize(s),
        transforms.Grayscale(num_output_channels=3),
        transforms.RandomCrop(s, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    test_tf = transforms.Compose([
        transforms.Resize(s),
        transforms.Grayscale(num_output_channels=3),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    train_set = FashionMNIST(train_x, train_y, stratified_subset(train_y, args.train_limit, args.seed), train_tf)
    test_set = FashionMNIST(test_x, test_y, stratified_subset(test_y, args.test_limit, args.seed), test_tf)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers)
    test_loader = DataLoader(test_set, batch_size=args.eval_batch_size or args.batch_size,
                             shuffle=False, num_workers=args.workers)

    if args.weights:
        model = torchvision.models.resnet18(weights=None)
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
        model.fc = nn.Linear(model.fc.in_features, len(CLASSES))
    else:
        model = torchvision.models.resnet18(weights=None, num_classes=len(CLASSES))
    bf16 = args.precision == "bfloat16"
    if bf16:
        model = model.to(memory_format=torch.channels_last)

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)

    def layout(x):
        return x.to(memory_format=torch.channels_last) if bf16 else x
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)

    def log(msg):
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    if args.freeze_epochs > 0:
        frozen, total = freeze_model(model, True)
        log(f"frozen ({frozen}/{total})")

    setup_seconds = time.perf_counter() - t_start
    records = []
    iteration_losses = []
    for epoch in range(args.epochs):
        if epoch == args.freeze_epochs and args.freeze_epochs > 0:
            freeze_model(model, False)
            for g in optimizer.param_groups:
                g["lr"] = 1e-4
            log("all params trainable")
        phase = "frozen" if epoch < args.freeze_epochs else "unfrozen"

        t0 = time.perf_counter()
        model.train()
        running_loss, correct, seen = 0.0, 0, 0
        for i, (x, y) in enumerate(train_loader):
            optimizer.zero_grad()
            with autocast():
                out = model(layout(x))
            loss = criterion(out.float(), y)
            loss.backward()
            optimizer.step()
            iteration_losses.append(loss.item())
            running_loss += loss.item() * x.size(0)
            correct += (out.argmax(1) == y).sum().item()
            seen += x.size(0)
            if (i + 1) % 100 == 0:
                log(f"epoch {epoch + 1} batch {i + 1}/{len(train_loader)} loss {loss.item():.4f}")
        train_seconds = time.perf_counter() - t0

        model.eval()
        test_loss, test_correct, test_seen = 0.0, 0, 0
        with torch.no_grad():
            for x, y in test_loader:
                with autocast():
                    out = model(layout(x)).float()
                test_loss += criterion(out, y).item() * x.size(0)
                test_correct += (out.argmax(1) == y).sum().item()
                test_seen += x.size(0)
        seconds = time.perf_counter() - t0
        test_loss /= max(test_seen, 1)
        scheduler.step(test_loss)

        rec = {"epoch": epoch + 1, "phase": phase, "seconds": seconds, "train_seconds": train_seconds,
               "images_per_second": seen / train_seconds if train_seconds > 0 else 0.0,
               "train_loss": running_loss / max(seen, 1), "train_accuracy": 100.0 * correct / max(seen, 1),
               "test_loss": test_loss, "test_accuracy": 100.0 * test_correct / max(test_seen, 1),
               "lr": optimizer.param_groups[0]["lr"]}
        rec.update(rss_report(sampler))
        records.append(rec)
        log(f"epoch {epoch + 1}/{args.epochs} ({phase}) {seconds:.1f} s, {rec['images_per_second']:.0f} img/s, "
            f"train acc {rec['train_accuracy']:.2f}%, test acc {rec['test_accuracy']:.2f}%, "
            f"rss self {rec['rss_self_mb']:.0f} MB, children {rec['rss_children_mb']:.0f} MB, "
            f"tree(sampled) rss {rec['rss_tree_sampled_mb']:.0f} MB pss {rec['pss_tree_sampled_mb']:.0f} MB")

    sampler.stop()
    result = {"side": "reference", "args": vars(args), "setup_seconds": setup_seconds,
              "total_seconds": time.perf_counter() - t_start, "epochs": records,
              "iterations": len(iteration_losses),
              "final_test_accuracy": records[-1]["test_accuracy"] if records else None}
    result.update(rss_report(sampler))
    text = json.dumps(result)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(text + "\n")
    print(text, flush=True)


if __name__ == "__main__":
    main()
