"""SIGINT and SIGTERM at random moments from a process's first instruction: exit 130 / 143, one line, no partial file.

The moments are drawn from a seeded generator, so a failure repeats. Each
process is timed from when it catches SIGTERM (its ``SigCgt`` mask in /proc):
before that, Python itself is still starting and no code of tf1gan has run.
Training runs are long, so that every signal lands before the end: during the
command line's imports, TensorFlow's import, the graph's construction, the
first checkpoint, or training. Downloads are from a local mirror that drips
one byte at a time, so that some signals land in the middle of one.
"""

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import https_server, write_mnist_files
from runner import start_training
from tf1gan import runs

SIGNALS = ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM"))
PARALLEL = 4  # processes at a time: each costs seconds of imports on a small machine


def handles_sigterm(pid):
    """Whether process ``pid`` has installed a SIGTERM handler (tf1gan's first instruction has run)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def stop(proc, sig, delay, ready=None):
    """Send ``sig`` to ``proc`` ``delay`` s after it installed its handlers (and after ``ready()``, if given).

    Returns (exit code, stderr).
    """
    deadline = time.time() + 120
    while not handles_sigterm(proc.pid) or (ready is not None and not ready()):
        assert proc.poll() is None, "the process ended before its signal"
        assert time.time() < deadline, "no SIGTERM handler (or no download) after 120 s"
        time.sleep(0.001)
    time.sleep(delay)
    assert proc.poll() is None, "the process ended before its signal"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def partial_files(folder):
    """Temporary files tf1gan (or TensorFlow's Saver) writes before a rename, anywhere under ``folder``."""
    found = []
    for root, dirs, files in os.walk(folder):
        for name in files + dirs:
            if name.endswith((".part", ".tmp")) or "_temp" in name:
                found.append(os.path.join(root, name))
    return found


def assert_stopped(code, err, sig, name):
    assert code == 128 + sig, err
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("tf1gan: ") and "stopped by %s" % name in last, err


def moments(seed, n):
    """``n`` delays in seconds, spread over the first, second and later stretches of a process's life."""
    rng = random.Random(seed)
    return [rng.uniform(*[(0, 0.3), (0.3, 3), (3, 8)][i % 3]) for i in range(n)]


@pytest.mark.slow
def test_signals_during_training_start_up_and_steps(tmp_path):
    cases = [(sig, name, delay) for (sig, name), delay in zip(SIGNALS * 3, moments(24, 6))]

    def one(i, sig, name, delay):
        out = str(tmp_path / ("run%d" % i))
        proc = start_training(out, 100000, 1000)
        code, err = stop(proc, sig, delay)
        return out, sig, name, delay, code, err

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda c: one(*c), [(i,) + c for i, c in enumerate(cases)]))
    for out, sig, name, delay, code, err in results:
        assert_stopped(code, err, sig, name)
        assert partial_files(str(tmp_path)) == [], delay
        # either no run folder was left, or one that resumes: a checkpoint was written first
        assert not os.path.exists(out) or runs.RunFolder(out).checkpoints(), (delay, os.listdir(out))


def test_signals_before_and_during_a_download(tmp_path):
    files = write_mnist_files(str(tmp_path / "served"))
    delays = [random.Random(5 + i).uniform(0, 0.5) for i in range(8)]
    with https_server(files, str(tmp_path), modes={n: "drip:0.01" for n in files}) as (url, cert, _):

        def one(i):
            sig, name = SIGNALS[i // 2 % 2]
            cache = str(tmp_path / ("cache%d" % i))
            proc = subprocess.Popen(
                [sys.executable, "-m", "tf1gan", "data", "--fetch", "mnist"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                universal_newlines=True,
                env=dict(os.environ, TF1GAN_MIRROR=url, SSL_CERT_FILE=cert, TF1GAN_CACHE=cache),
            )
            # half of them once bytes are arriving, half at any moment from the start
            downloading = (lambda: partial_files(cache)) if i % 2 else None
            return cache, sig, name, stop(proc, sig, delays[i], downloading)

        with ThreadPoolExecutor(PARALLEL) as pool:
            results = list(pool.map(one, range(8)))
    for cache, sig, name, (code, err) in results:
        assert_stopped(code, err, sig, name)
        assert partial_files(cache) == []
