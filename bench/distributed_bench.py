#!/usr/bin/python3
"""Data-parallel training on one machine, ours beside PyTorch's (issue 16).

1. All-reduce bandwidth on 127.0.0.1: build/bench/allreduce_bench (c10d's Gloo group as the
   trainer uses it) and torch.distributed's Gloo all_reduce, 2 ranks, float32 buffers.
2. Step time of ResNet-18 at 32 px, global batch 64, float32, one thread per rank: one process
   against two ranks. Ours: finetune-cli train [--nproc 2] on Fashion-MNIST (its img/s of the
   unfrozen epoch). PyTorch: torchvision's resnet18 under DistributedDataParallel (Gloo) on
   random tensors in memory (no data loading on that side).

  /usr/bin/python3 bench/distributed_bench.py [--build build] [--steps 40]
Prints a markdown table for BENCHMARKS.md.
"""
import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cpu_name():
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# PyTorch's side, one rank (run as a child of this script: python3 distributed_bench.py --rank R ...).
def torch_rank(args):
    import torch
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}", rank=args.rank,
                            world_size=args.world)
    out = []
    if args.what == "allreduce":
        for mb in [float(x) for x in args.sizes.split(",")]:
            t = torch.ones(int(mb * (1 << 20) / 4))
            for _ in range(2):
                dist.all_reduce(t)
            dist.barrier()
            start = time.perf_counter()
            for _ in range(args.repeats):
                dist.all_reduce(t)
            seconds = (time.perf_counter() - start) / args.repeats
            out.append({"side": "pytorch", "ranks": args.world, "mb": mb, "seconds": seconds,
                        "gb_per_s": mb / 1024 / seconds})
    else:
        import torchvision
        torch.manual_seed(0)
        model = torchvision.models.resnet18(num_classes=10)
        if args.world > 1:
            model = torch.nn.parallel.DistributedDataParallel(model)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        local = 64 // args.world
        x = torch.randn(local, 3, 32, 32)
        y = torch.randint(0, 10, (local,))
        times = []
        for step in range(args.steps + 5):
            start = time.perf_counter()
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            if step >= 5:
                times.append(time.perf_counter() - start)
        times.sort()
        out.append({"side": "pytorch", "ranks": args.world, "step_seconds": times[len(times) // 2],
                    "images_per_second": 64 / times[len(times) // 2]})
    if args.rank == 0:
        for row in out:
            print(json.dumps(row), flush=True)
    dist.destroy_process_group()


def run_torch(what, world, **kw):
    port = free_port()
    procs = []
    for rank in range(world):
        cmd = [sys.executable, os.path.abspath(__file__), "--rank", str(rank), "--world", str(world), "--port",
               str(port), "--what", what] + sum([[f"--{k}", str(v)] for k, v in kw.items()], [])
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                                      env=dict(os.environ, OMP_NUM_THREADS="1")))
    rows = []
    for p in procs:
        text, _ = p.communicate()
        rows += [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        if p.returncode != 0:
            raise SystemExit(f"PyTorch rank failed ({p.returncode})")
    return rows


def run_ours_steps(cli, world, train_limit):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [cli, "train", "--data", "/usr/share/datasets/fashion-mnist", "--train-limit", str(train_limit),
               "--validation-limit", "64", "--batch-size", "64", "--epochs", "1", "--freeze-epochs", "0",
               "--threads", "1", "--workers", "1", "--precision", "float32", "--run-dir", tmp + "/run"]
        if world > 1:
            cmd += ["--nproc", str(world)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(tmp + "/run/metrics.csv") as f:
            epochs = [r for r in csv.DictReader(f) if r["kind"] == "epoch"]
        ips = float(epochs[-1]["images_per_second"])
        return {"side": "ours", "ranks": world, "images_per_second": ips, "step_seconds": 64 / ips}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--sizes", default="1,4,16,45,100")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--train-limit", type=int, default=2560)
    ap.add_argument("--rank", type=int)
    ap.add_argument("--world", type=int, default=2)
    ap.add_argument("--port", type=int)
    ap.add_argument("--what", default="allreduce")
    args = ap.parse_args()
    if args.rank is not None:
        return torch_rank(args)

    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; command: /usr/bin/python3 bench/distributed_bench.py "
          + " ".join(sys.argv[1:]))
    ours = subprocess.run([os.path.join(args.build, "bench", "allreduce_bench"), "--sizes-mb", args.sizes,
                           "--repeats", str(args.repeats)], check=True, capture_output=True, text=True).stdout
    ours_rows = [json.loads(line) for line in ours.splitlines() if line.startswith("{")]
    ref_rows = run_torch("allreduce", 2, sizes=args.sizes, repeats=args.repeats)
    print("\n| Buffer (float32) | ours (c10d Gloo via core/distributed) | PyTorch `dist.all_reduce` (Gloo) |")
    print("|---|---|---|")
    for o, r in zip(ours_rows, ref_rows):
        print(f"| {o['mb']:g} MB | {o['seconds'] * 1e3:.1f} ms, {o['gb_per_s']:.2f} GB/s | "
              f"{r['seconds'] * 1e3:.1f} ms, {r['gb_per_s']:.2f} GB/s |")

    cli = os.path.join(args.build, "app", "finetune-cli")
    steps = []
    for world in (1, 2):
        steps.append(run_ours_steps(cli, world, args.train_limit))
        steps += run_torch("steps", world, steps=args.steps)
    print("\n| ResNet-18, 32 px, global batch 64, float32, 1 thread per rank | 1 process | 2 ranks | 2 ranks / 1 |")
    print("|---|---|---|---|")
    for side in ("ours", "pytorch"):
        one = next(s for s in steps if s["side"] == side and s["ranks"] == 1)
        two = next(s for s in steps if s["side"] == side and s["ranks"] == 2)
        print(f"| {side} | {one['step_seconds'] * 1e3:.0f} ms/step ({one['images_per_second']:.0f} img/s) | "
              f"{two['step_seconds'] * 1e3:.0f} ms/step ({two['images_per_second']:.0f} img/s) | "
              f"{two['images_per_second'] / one['images_per_second']:.2f}x |")


if __name__ == "__main__":
    main()
