#!/usr/bin/python3
"""GUI overhead (issue 6): the same run through the studio, charts streaming, against the CLI.

Writes one configuration with `finetune-cli train ... --save-config`, then runs it alternately
with `finetune-cli train --config` and `finetune-studio-bench CONFIG` (bench/studio_bench.cpp,
built with the tests and never installed: the studio's own window, the wizard drives the run,
the dashboard shows it; it reports the event loop's longest stall, the longest run of
back-to-back event dispatches on the GUI thread, timed without waking it, and the GUI thread's
CPU seconds while training) and prints medians. Both sides write the same run folder; "training
seconds" is the sum of the epochs' seconds from metrics.csv (data + training + evaluation), the
figure the GUI can slow down; end-to-end wall time also includes the studio's start-up (window,
data preview, the review page's estimate: 2 warm-up + 5 timed batches per phase).

  /usr/bin/python3 bench/gui_overhead.py --reps 3 --epochs 2 --freeze-epochs 1 --train-limit 10000

The studio runs in a real X server under xvfb-run when it is installed, else offscreen.
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def epoch_seconds(run_dir):
    total, epochs = 0.0, 0
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        for row in csv.DictReader(f):
            if row["kind"] == "epoch":
                total += float(row["seconds"])
                epochs += 1
    return total, epochs


def newest_run(runs_dir):
    dirs = [os.path.join(runs_dir, d) for d in os.listdir(runs_dir)]
    return max(dirs, key=os.path.getmtime)


def run_cli(args, config, runs_dir):
    t0 = time.perf_counter()
    proc = subprocess.run([args.cli, "train", "--config", config, "--runs-dir", runs_dir],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"finetune-cli failed: {proc.stderr[-2000:]}")
    seconds, epochs = epoch_seconds(newest_run(runs_dir))
    return {"wall_seconds": wall, "training_seconds": seconds, "epochs": epochs}


def run_studio(args, config, runs_dir, tmp):
    # The studio takes runs_dir from the configuration: point it at this repetition's folder.
    with open(config) as f:
        cfg = json.load(f)
    cfg.setdefault("output", {})["runs_dir"] = runs_dir
    studio_config = os.path.join(tmp, "studio-config.json")
    with open(studio_config, "w") as f:
        json.dump(cfg, f)
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(tmp, "xdg"))  # fresh QSettings
    cmd = [args.studio_bench, studio_config]
    if shutil.which("xvfb-run") and not args.offscreen:
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"] + cmd
        display = "xvfb"
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
        display = "offscreen"
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - t0
    report = None
    for line in proc.stdout.splitlines():
        if line.startswith("{") and '"bench_gui"' in line:
            report = json.loads(line)
    if proc.returncode != 0 or report is None:
        raise RuntimeError(f"finetune-studio-bench failed ({proc.returncode}): {proc.stdout[-1000:]} {proc.stderr[-2000:]}")
    seconds, epochs = epoch_seconds(report["run_dir"])
    return {"wall_seconds": wall, "training_seconds": seconds, "epochs": epochs, "display": display,
            "longest_stall_ms": report["longest_stall_ms"], "stalls_over_50ms": report["stalls_over_50ms"],
            "dispatches": report["dispatches"], "gui_thread_cpu_seconds": report["gui_thread_cpu_seconds"],
            "training_wall_seconds": report["training_wall_seconds"]}


def main():
    ap = argparse.ArgumentParser(description="Studio vs CLI, same run (issue 6)")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "finetune-cli"))
    ap.add_argument("--studio-bench", default=os.path.join(ROOT, "build", "bench", "finetune-studio-bench"),
                    help="finetune-studio-bench (cmake --build build --target finetune-studio-bench)")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--freeze-epochs", type=int, default=1)
    ap.add_argument("--train-limit", type=int, default=10000)
    ap.add_argument("--test-limit", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--offscreen", action="store_true", help="QT_QPA_PLATFORM=offscreen even with xvfb-run")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="ft-gui-bench-") as tmp:
        config = os.path.join(tmp, "config.json")
        subprocess.run([args.cli, "train", "--data", args.data, "--input-size", "32", "--batch-size", "64",
                        "--epochs", str(args.epochs), "--freeze-epochs", str(args.freeze_epochs),
                        "--threads", str(args.threads), "--workers", "2",
                        "--train-limit", str(args.train_limit), "--validation-limit", str(args.test_limit),
                        "--name", "gui-bench", "--save-config", config], check=True,
                       stdout=subprocess.DEVNULL)
        cli, studio = [], []
        for rep in range(args.reps):
            for side in (["cli", "studio"] if rep % 2 == 0 else ["studio", "cli"]):
                runs = os.path.join(tmp, f"runs-{side}-{rep}")
                os.makedirs(runs)
                print(f"rep {rep + 1}/{args.reps}: {side} ...", file=sys.stderr, flush=True)
                res = run_cli(args, config, runs) if side == "cli" else run_studio(args, config, runs, tmp)
                (cli if side == "cli" else studio).append(res)
                print(f"  {side}: {json.dumps(res)}", file=sys.stderr, flush=True)

    med = lambda rows, key: statistics.median(r[key] for r in rows)
    t_cli, t_gui = med(cli, "training_seconds"), med(studio, "training_seconds")
    w_cli, w_gui = med(cli, "wall_seconds"), med(studio, "wall_seconds")
    stall = max(r["longest_stall_ms"] for r in studio)
    gui_cpu = med(studio, "gui_thread_cpu_seconds")
    gui_share = statistics.median(r["gui_thread_cpu_seconds"] / r["training_wall_seconds"] for r in studio)
    lines = [
        f"Settings: ResNet-18, 32 px, batch 64, {args.threads} threads, {args.epochs} epochs "
        f"({args.freeze_epochs} frozen), {args.train_limit} training / {args.test_limit} validation "
        f"images, {args.reps} rep(s) alternating, studio display: {studio[0]['display']}.",
        "",
        f"| Metric (median of {args.reps}) | CLI | Studio | Studio / CLI | Target |",
        "|---|---:|---:|---:|---|",
        f"| Training seconds (sum of epochs: data + training + evaluation) | {t_cli:.1f} | {t_gui:.1f} | "
        f"{t_gui / t_cli:.3f}× | <= 1.03× ({'met' if t_gui / t_cli <= 1.03 else 'not met'}) |",
        f"| End-to-end seconds (process start to exit) | {w_cli:.1f} | {w_gui:.1f} | {w_gui / w_cli:.3f}× | — |",
        f"| Event loop's longest stall during training, ms (worst of {args.reps}) | — | {stall:.1f} | — | "
        f"< 50 ({'met' if stall < 50 else 'not met'}) |",
        f"| GUI thread's CPU seconds while training (share of one core) | — | {gui_cpu:.2f} "
        f"({100 * gui_share:.1f}%) | — | — |",
    ]
    print("\n".join(lines))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"args": vars(args), "cli": cli, "studio": studio}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
