#!/usr/bin/python3
"""Training precision, side by side with PyTorch (issue 12).

Runs, alternately and --reps times each, the engine in the precisions asked for and the
PyTorch reference (bench/reference_seed.py) in float32 as the seed writes it and with bfloat16
autocast + channels-last (the strongest peer a user would write), on the same data, model,
schedule, threads and loader workers; prints per-phase medians (img/s, seconds per epoch,
the time of every epoch) and the ratios the issue sets targets for.

The pretrained regime (224 px from a torchvision-format ResNet-18 file written by Python):
  /usr/bin/python3 bench/write_weights.py /tmp/r18.pth
  /usr/bin/python3 bench/precision_bench.py --weights /tmp/r18.pth --input-size 224 \\
      --batch-size 32 --epochs 2 --freeze-epochs 1 --train-limit 10000 --test-limit 1000
The seed's 3-epoch recipe at 32 px in bfloat16 and float32:
  /usr/bin/python3 bench/precision_bench.py --sides ours-auto,ours-float32,ref-float32
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import run_bench  # noqa: E402

SIDES = ["ours-auto", "ours-float32", "ours-bfloat16", "ref-float32", "ref-bfloat16"]


def run_side(side, args, runs_dir, tmp):
    ns = argparse.Namespace(**vars(args))
    who, precision = side.split("-", 1)
    if who == "ours":
        ns.ours_extra = ["--precision", precision] + (["--weights", args.weights] if args.weights else [])
        return run_bench.run_ours(ns, runs_dir)
    ns.ref_extra = ["--precision", precision] + (["--weights", args.weights] if args.weights else [])
    if args.ref_flush_denormals:
        ns.ref_extra.append("--flush-denormals")
    return run_bench.run_reference(ns, tmp)


def cpu_name():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown CPU"
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    name = fields.get("Model name", "unknown CPU").strip()
    flags = fields.get("Flags", "").split()
    bf16 = [f for f in ("amx_bf16", "amx_tile", "avx512_bf16") if f in flags]
    return f"{name}, {os.cpu_count()} CPUs, bf16 flags: {' '.join(bf16) or 'none'}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    run_bench.add_run_args(ap, reps=1)
    ap.add_argument("--sides", default="ours-auto,ref-float32,ref-bfloat16",
                    help="comma-separated, from: " + ", ".join(SIDES))
    ap.add_argument("--weights", default=None, help="torchvision-format ResNet-18 .pth for both sides")
    ap.add_argument("--ref-flush-denormals", action="store_true")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    sides = [s for s in args.sides.split(",") if s]
    for s in sides:
        if s not in SIDES:
            ap.error(f"unknown side {s}")

    import tempfile
    runs = {s: [] for s in sides}
    with tempfile.TemporaryDirectory(prefix="ft-precision-bench-") as tmp:
        for rep in range(args.reps):
            for s in sides:
                print(f"rep {rep + 1}/{args.reps}: {s} ...", file=sys.stderr, flush=True)
                r = run_side(s, args, os.path.join(tmp, f"runs-{s}-{rep}"), tmp)
                r["side"] = s
                runs[s].append(r)
                epochs = ", ".join(f"{e['phase'][0]}{e['epoch']} {e['seconds']:.0f} s "
                                   f"{e['images_per_second']:.1f} img/s" for e in r["epochs"])
                print(f"  {s}: {r['wall_seconds']:.0f} s, acc {r['final_test_accuracy']:.2f}% | {epochs}",
                      file=sys.stderr, flush=True)

    summary = {s: run_bench.summarise(runs[s]) for s in sides}
    cpu = cpu_name()
    lines = [f"CPU: {cpu}; threads {args.threads}, workers {args.workers}, batch {args.batch_size}, "
             f"input {args.input_size} px, {args.epochs} epochs ({args.freeze_epochs} frozen), "
             f"train limit {args.train_limit or 'all'}, test limit {args.test_limit or 'all'}, "
             f"weights {os.path.basename(args.weights) if args.weights else 'random'}, reps {args.reps}",
             "",
             "| side | frozen img/s | unfrozen img/s | frozen epoch s | unfrozen epoch s | run s | accuracy % |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for s in sides:
        m = summary[s]
        lines.append(f"| {s} | {run_bench.fmt(m['frozen_ips'])} | {run_bench.fmt(m['unfrozen_ips'])} | "
                     f"{run_bench.fmt(m['frozen_epoch_s'])} | {run_bench.fmt(m['unfrozen_epoch_s'])} | "
                     f"{run_bench.fmt(m['run_seconds'], 0)} | {run_bench.fmt(m['accuracy'], 2)} |")
    lines.append("")
    lines.append("Epoch times (median over reps, seconds): " + "; ".join(
        f"{s}: " + ", ".join(f"{run_bench.median([r['epochs'][i]['seconds'] for r in runs[s]]):.0f}"
                             for i in range(len(runs[s][0]['epochs']))) for s in sides))
    ours = [s for s in sides if s.startswith("ours")]
    refs = [s for s in sides if s.startswith("ref")]
    for o in ours:
        for r in refs:
            a, b = summary[o], summary[r]
            parts = []
            for key, label in (("frozen_ips", "frozen img/s"), ("unfrozen_ips", "unfrozen img/s"),
                               ("run_seconds", "run time")):
                if a[key] and b[key]:
                    parts.append(f"{label} {a[key] / b[key]:.2f}x")
            lines.append(f"{o} / {r}: " + ", ".join(parts))
    text = "\n".join(lines)
    print(text)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"cpu": cpu, "args": vars(args), "runs": runs, "summary": summary}, f, indent=1)


if __name__ == "__main__":
    main()
