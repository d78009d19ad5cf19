#!/usr/bin/python3
"""Training speed of every architecture of the model zoo, side by side with PyTorch (issue 13).

For each architecture and input size, alternately --reps times: the engine's own training step
(build/bench/step_profile: our model, loader, Adam) and the same step in PyTorch + torchvision
(same model, batch, threads; synthetic batches, so neither side waits for data), in the frozen
phase (head only) and the unfrozen phase (everything). Prints compute img/s (forward, backward,
optimiser; ours without its data wait) per phase and the peak resident memory of each process.

  /usr/bin/python3 bench/zoo_bench.py --sizes 64 --batches 6 --reps 2 \\
      --archs resnet18,mobilenet_v2,mobilenet_v3_small,mobilenet_v3_large,efficientnet_b0

Ours runs at --precision auto (bfloat16 on CPUs with AVX512-BF16 or AMX, float32 elsewhere, and
channels-last for the architectures measured faster in it, as the studio decides); PyTorch runs float32 and, on such CPUs, bfloat16 autocast +
channels-last too; the ratios in brackets are ours over each. --precision float32|bfloat16 forces
ours (bfloat16 elsewhere is emulated and slow).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def pytorch_side(arch, size, batch, batches, threads, bf16):
    """One process: frozen then unfrozen steps; prints JSON {frozen, unfrozen} img/s."""
    code = f"""
import json, time, resource, torch, torchvision
torch.set_num_threads({threads}); torch.manual_seed(0)
model = getattr(torchvision.models, "{arch}")(num_classes=10)
bf16 = {bf16}
if bf16: model = model.to(memory_format=torch.channels_last)
x = torch.randn({batch}, 3, {size}, {size}); y = torch.randint(0, 10, ({batch},))
if bf16: x = x.contiguous(memory_format=torch.channels_last)
head = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
head_ids = {{id(p) for p in head.parameters()}}
opt = torch.optim.Adam([{{"params": list(head.parameters())}},
                        {{"params": [p for p in model.parameters() if id(p) not in head_ids]}}],
                       lr=1e-3, weight_decay=1e-4)
def phase(frozen):
    for p in model.parameters(): p.requires_grad_(not frozen or id(p) in head_ids)
    model.train()
    times = []
    for i in range(2 + {batches}):
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        if i >= 2: times.append(time.perf_counter() - t)
    return {batch} * len(times) / sum(times)
# PyTorch 1.13 lacks some bfloat16 CPU kernels (MobileNetV2's hardtanh backward, ConvNeXt's
# mixed-type layer_norm): a phase that fails is reported, not fatal.
def attempt(frozen):
    try:
        return phase(frozen), None
    except RuntimeError as e:
        return None, str(e).splitlines()[0][:120]
frozen, frozen_error = attempt(True)
unfrozen, unfrozen_error = attempt(False)
out = {{"frozen": frozen, "unfrozen": unfrozen, "error": frozen_error or unfrozen_error,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}
print(json.dumps(out))
"""
    r = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def our_side(binary, arch, size, batch, batches, threads, bf16):
    args = [binary, "--arch", arch, "--input-size", str(size), "--batch-size", str(batch),
            "--batches", str(batches), "--threads", str(threads), "--workers", "2",
            "--eval-images", "64", "--fused-adam", "--json"]
    if bf16:
        args += ["--bf16", "--engine-layout"]  # channels-last where it wins, as the engine
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
                        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"] + args,
                       capture_output=True, text=True, check=True)
    lines = r.stdout.strip().splitlines()
    doc, peak = json.loads(lines[-2]), float(lines[-1])

    def rate(split):
        compute = split["forward_s"] + split["backward_s"] + split["optimizer_s"]
        return split["images"] / compute

    return {"frozen": rate(doc["frozen"]), "unfrozen": rate(doc["unfrozen"]),
            "peak_mb": peak}


def cpu_has_bf16():
    """What --precision auto decides on the CPU: bfloat16 with AVX512-BF16 or AMX."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read().split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--archs", default="resnet18,mobilenet_v2,mobilenet_v3_small,"
                        "mobilenet_v3_large,efficientnet_b0")
    parser.add_argument("--sizes", default="64")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--precision", default="auto", choices=["auto", "float32", "bfloat16"],
                        help="ours; auto = bfloat16 on CPUs with AVX512-BF16 or AMX, else float32 "
                             "(as the studio's --precision auto). PyTorch runs float32 and, on such "
                             "CPUs, bfloat16 autocast too")
    parser.add_argument("--skip-pytorch-float32", action="store_true",
                        help="no PyTorch float32 column (VGG, AlexNet and ViT spend minutes per step "
                             "in a reference BLAS's float32 Linear layers)")
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "bench", "step_profile"))
    args = parser.parse_args()
    has_bf16 = cpu_has_bf16()
    ours_bf16 = args.precision == "bfloat16" or (args.precision == "auto" and has_bf16)
    torch_bf16 = has_bf16 or args.precision == "bfloat16"
    cpu = subprocess.run("lscpu | grep 'Model name' | cut -d: -f2", shell=True, capture_output=True,
                         text=True).stdout.strip()
    print(f"CPU: {cpu}, {args.threads} threads, batch {args.batch_size}, ours "
          f"{'bfloat16' if ours_bf16 else 'float32'} (--precision {args.precision}), median of "
          f"{args.reps} alternating runs of {args.batches} timed steps per phase")
    bf16_head = " PyTorch bf16 |" if torch_bf16 else ""
    bf16_rule = "---|" if torch_bf16 else ""
    print(f"| architecture | px | frozen ours | PyTorch f32 |{bf16_head} unfrozen ours | PyTorch f32 |"
          f"{bf16_head} peak MB ours / PyTorch f32 |")
    print(f"|---|---|---|---|{bf16_rule}---|---|{bf16_rule}---|")
    for arch in args.archs.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            ours, f32, bf16 = [], [], []
            for _ in range(args.reps):  # alternating, so that a slow moment hits every side alike
                ours.append(our_side(args.binary, arch, size, args.batch_size, args.batches, args.threads,
                                     ours_bf16))
                if not args.skip_pytorch_float32:
                    f32.append(pytorch_side(arch, size, args.batch_size, args.batches, args.threads, False))
                if torch_bf16:
                    bf16.append(pytorch_side(arch, size, args.batch_size, args.batches, args.threads, True))

            errors = []

            def torch_cell(o, runs, phase):
                if not runs:
                    return " not run |"
                if any(r[phase] is None for r in runs):
                    errors.append(next(r["error"] for r in runs if r[phase] is None))
                    return " fails |"
                t = median([r[phase] for r in runs])
                return f" {t:.0f} ({o / t:.2f}x) |"

            def cells(phase):
                o = median([r[phase] for r in ours])
                text = f"{o:.0f} |" + torch_cell(o, f32, phase)
                if torch_bf16:
                    text += torch_cell(o, bf16, phase)
                return text

            torch_peak = f"{max(r['peak_mb'] for r in f32):.0f}" if f32 else "–"
            print(f"| {arch} | {size} | {cells('frozen')} {cells('unfrozen')} "
                  f"{max(r['peak_mb'] for r in ours):.0f} / {torch_peak} |", flush=True)
            for error in sorted(set(errors)):
                print(f"  PyTorch {arch} at {size} px: {error}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
