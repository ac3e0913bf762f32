"""What tf1gan sweep costs: a sweep of N short trials with 1 and with 2 workers beside a plain loop of tf1gan train.

Prints, for the same N trials (seeds 0..N-1 of one setting, no evaluation):

* the wall time of a plain shell-style loop of ``python -m tf1gan train`` calls;
* the wall time of ``tf1gan sweep --workers 1`` and ``--workers 2``, and the
  engine's overhead per trial (Ray's start-up, scheduling, the report): the
  1-worker sweep's time over the loop's, and, less at the mercy of a machine
  whose load changes between the two, over its own train processes' time
  (``wall_s`` of results/NAME.json);
* peak memory: the sweep process itself (VmHWM), the most Ray's own processes
  (GCS, raylet, workers, agent) held at once, and each trial's train process
  (``wait4``, as results/NAME.json records it).

Not a test: run it on an idle machine for figures worth quoting.

    python benchmarks/sweep.py --trials 8 --steps 300 --out runs/bench-sweep
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time


def _status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(root):
    parents = {}
    for name in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % name) as f:
                parents[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (ValueError, OSError):
            continue
    tree = {root}
    for _ in range(8):  # the tree is a few levels deep: sweep -> raylet -> worker -> train
        tree |= {pid for pid, ppid in parents.items() if ppid in tree}
    return tree - {root}


def _is_trial(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"tf1gan" in f.read()
    except OSError:
        return True


def timed_sweep(out, trials, steps, workers, extra):
    """(wall s, sweep's peak RSS MB, Ray's processes' peak RSS MB together, [each trial's (peak MB, wall s)])."""
    args = [sys.executable, "-m", "tf1gan", "sweep", "--out", out, "--seeds", "0-%d" % (trials - 1)]
    args += ["--steps", str(steps), "--workers", str(workers), "--eval-samples", "0"] + extra
    t0 = time.time()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, universal_newlines=True)
    own, ray_peak = 0, 0
    while proc.poll() is None:
        own = max(own, _status_kb(proc.pid, "VmHWM"))
        ray_now = sum(_status_kb(p, "VmRSS") for p in _descendants(proc.pid) if not _is_trial(p))
        ray_peak = max(ray_peak, ray_now)
        time.sleep(0.2)
    wall = time.time() - t0
    stderr = proc.stderr.read()
    if proc.returncode != 0:
        sys.exit("sweep failed: %s" % stderr[-2000:])
    results = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "results", "*.json")))]
    return wall, own / 1024.0, ray_peak / 1024.0, [(r["peak_rss_mb"], r["wall_s"]) for r in results]


def timed_loop(out, trials, steps, extra):
    """Wall time of ``tf1gan train`` run once per seed, one after the other."""
    flags = []
    for item in extra[1::2]:  # --grid KEY=VALUE with one value: the same settings as flags
        key, _, value = item.partition("=")
        flags += ["--" + key, value]
    t0 = time.time()
    for seed in range(trials):
        subprocess.run(
            [sys.executable, "-m", "tf1gan", "train", "--out", os.path.join(out, "seed%d" % seed), "--seed", str(seed)]
            + ["--steps", str(steps), "--threads", "1"]
            + flags,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    return time.time() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=8)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--out", default="runs/bench-sweep", help="scratch folder (replaced)")
    p.add_argument("--grid", action="append", default=[], help="KEY=VALUE settings of every trial (one value each)")
    args = p.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    extra = [a for kv in args.grid for a in ("--grid", kv)]
    loop = timed_loop(os.path.join(args.out, "loop"), args.trials, args.steps, extra)
    print(
        "%d trials of %d steps, one TensorFlow thread each%s"
        % (args.trials, args.steps, ("; " + " ".join(args.grid)) if args.grid else "")
    )
    print("  plain loop of tf1gan train: %.1f s (%.1f s a trial)" % (loop, loop / args.trials))
    for workers in (1, 2):
        wall, own, ray_mb, trials = timed_sweep(
            os.path.join(args.out, "w%d" % workers), args.trials, args.steps, workers, extra
        )
        peaks = [peak for peak, _ in trials]
        print(
            "  sweep, %d worker%s: %.1f s (%.1f s a trial)" % (workers, "s"[workers == 1 :], wall, wall / args.trials)
        )
        if workers == 1:
            inside = sum(seconds for _, seconds in trials)
            print(
                "    engine overhead: %+.1f s a trial beside the plain loop; %.1f s a trial beside its own train "
                "processes (%.1f s of the %.1f s)"
                % ((wall - loop) / args.trials, (wall - inside) / args.trials, inside, wall)
            )
        print(
            "    peak RSS: sweep process %.0f MB, Ray's processes together %.0f MB, each trial %.0f-%.0f MB"
            % (own, ray_mb, min(peaks), max(peaks))
        )


if __name__ == "__main__":
    main()
