"""Training subprocesses to interrupt, and their checkpoints: helpers of the fault tests."""

import hashlib
import json
import os
import subprocess
import sys
import time

import pytest

from tf1gan import runs
from tf1gan.tfcompat import tf

# Tiny and single-threaded: fast, and bitwise repeatable across processes.
TRAIN_ARGS = [
    "--hidden",
    "16",
    "--z-dim",
    "8",
    "--batch-size",
    "16",
    "--threads",
    "1",
    "--monitor-every",
    "0",
    "--log-every",
    "1",
    "--sample-every",
    "1000",
]


INJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inject.py")


def tf1gan_command(fault=None):
    """The command that runs tf1gan in a subprocess: ``python -m tf1gan``, or with ``fault`` injected (inject.py)."""
    return [sys.executable, INJECT, fault] if fault else [sys.executable, "-m", "tf1gan"]


def start_training(out, steps, checkpoint_every, *extra, **kwargs):
    """Start ``tf1gan train`` in a subprocess (``fault=`` injects one); return the Popen (text output)."""
    args = (
        tf1gan_command(kwargs.pop("fault", None))
        + [
            "train",
            "--out",
            out,
            "--steps",
            str(steps),
            "--checkpoint-every",
            str(checkpoint_every),
        ]
        + TRAIN_ARGS
        + list(extra)
    )
    return subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        env=dict(os.environ, **kwargs.pop("env", {})),
        **kwargs,
    )


def logged_steps(out):
    """Steps logged so far in the run's metrics.jsonl (a torn last line is ignored)."""
    return [r["step"] for r in runs.RunFolder(out).read_metrics()]


def wait_for(predicate, timeout=120, interval=0.02):
    """Poll until ``predicate()`` is true; fail the test on timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail("timed out waiting for the training subprocess")


def latest_step(out):
    """Global step of the latest checkpoint, or None."""
    state = os.path.join(out, "checkpoints", "checkpoint")
    if not os.path.exists(state):
        return None
    path = tf.train.latest_checkpoint(os.path.join(out, "checkpoints"))
    return int(path.rsplit("-", 1)[1]) if path else None


def finish(out, steps):
    """Resume the run in ``out`` to ``steps`` in a subprocess; return (returncode, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tf1gan", "train", "--out", out, "--resume", "--steps", str(steps)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=600,
    )
    return proc.returncode, proc.stderr


def metrics_are_clean(out):
    """metrics.jsonl holds each logged step once, in order."""
    steps = [json.loads(line)["step"] for line in open(os.path.join(out, "metrics.jsonl"))]
    return steps == sorted(set(steps))


def tree(path):
    """{relative path: sha256} of every file under ``path``: what a test compares to prove nothing changed.

    A symbolic link is recorded as the link itself ("-> target"), never followed.
    """
    found = {}
    for root, dirs, files in os.walk(path):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            full = os.path.join(root, name)
            if os.path.islink(full):
                found[os.path.relpath(full, path)] = "-> " + os.readlink(full)
                continue
            with open(full, "rb") as f:
                found[os.path.relpath(full, path)] = hashlib.sha256(f.read()).hexdigest()
    return found


def absolute_index(run):
    """Rewrite the run's checkpoint index with absolute paths, as tf1gan wrote it before 0.2."""
    folder = os.path.join(run, "checkpoints")
    steps = sorted(int(n.split("-")[1].split(".")[0]) for n in os.listdir(folder) if n.endswith(".index"))
    paths = [os.path.join(folder, "model.ckpt-%d" % s) for s in steps]
    lines = ['model_checkpoint_path: "%s"' % paths[-1]] + ['all_model_checkpoint_paths: "%s"' % p for p in paths]
    with open(os.path.join(folder, "checkpoint"), "w") as f:
        f.write("\n".join(lines) + "\n")
