"""One trial of a sweep as a Ray task runs it: ``tf1gan train`` in a process of its own, then ``tf1gan evaluate``.

Nothing here imports TensorFlow or Ray: the Ray worker only starts and waits
for processes, so TF graphs and sessions never share a process, and a worker
holds no model memory. A train process that dies (SIGKILL, OOM killer) or is
stopped (SIGINT / SIGTERM, after its checkpoint) is started again with
``--resume`` and continues from its own last checkpoint; one that fails on its
settings is not retried, and its one-line error is the trial's.
"""

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time

from tf1gan.errors import RunError
from tf1gan.fileio import RunLock

# Exit codes of a process stopped from outside, with its work resumable (others are the trial's own error).
STOPPED = (128 + signal.SIGINT, 128 + signal.SIGTERM)
LOCK_WAIT_S = 300
_ERROR_LINE = re.compile(r"^tf1gan( \w+)?: error: ")
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the child before exec: SIGTERM it when the Ray worker that started it dies.

    tf1gan saves a checkpoint on SIGTERM, and the retried task then finds the
    run folder free (no orphan keeps writing it) and resumes from there.
    """
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


# Variables Ray sets in its workers (threads = the task's CPUs; no GPU for a task that asks for none)
# that tf1gan records among those deciding the bits: a trial gets the sweep process's own instead.
RAY_SETS = ("OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES")


def _child_env(driver_env):
    """This worker's environment for a trial, with the variables of :data:`RAY_SETS` as ``driver_env`` has them."""
    env = {k: v for k, v in os.environ.items() if k not in RAY_SETS}
    env.update({k: v for k, v in (driver_env or {}).items() if k in RAY_SETS and v is not None})
    return env


def _wait_for_lock(folder, timeout=LOCK_WAIT_S):
    """Wait until no process writes the run ``folder`` (a stopped attempt may still be saving its checkpoint)."""
    deadline = time.time() + timeout
    while os.path.isdir(folder):
        try:
            with RunLock(folder):
                return
        except RunError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


def _mode(folder, force_first):
    """``--resume`` when the folder holds a checkpoint; ``--force`` for a run stopped before its first one."""
    if force_first:
        return ["--force"]
    if os.path.exists(os.path.join(folder, "checkpoints", "checkpoint")):
        return ["--resume"]
    return ["--force"] if os.path.exists(os.path.join(folder, "config.json")) else []


def _run(args, log_path, env, cwd=None):
    """Run ``python -m tf1gan ARGS``, its output appended to ``log_path``; return (exit code, peak RSS MB,
    CPU seconds, new log).

    The exit code is negative for a signal, as subprocess gives it; the peak
    resident memory and the CPU time (user and system) are this process's own
    (``wait4``), not the worker's.
    """
    with open(log_path, "a") as log:
        start = log.tell()
        log.write("$ tf1gan %s\n" % " ".join(args))
        log.flush()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tf1gan"] + args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd if cwd and os.path.isdir(cwd) else None,
            preexec_fn=_die_with_parent,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    with open(log_path) as log:
        log.seek(start)
        return proc.returncode, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime, log.read()


def error_line(output, code):
    """The one-line ``tf1gan: error: ...`` of a failed command's output, else its last line, else its exit code."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR_LINE.match(line)]
    if errors:
        return errors[-1]
    if code < 0:
        return "killed by signal %d" % -code
    return lines[-1] if len(lines) > 1 else "exit code %d" % code


def read_records(folder):
    """The run's metric records (metrics.jsonl), for the sweep's curves; unreadable lines are left out.

    A few lines rather than ``runs.RunFolder.read_metrics``, which would
    import TensorFlow into the Ray worker.
    """
    records = []
    try:
        with open(os.path.join(folder, "metrics.jsonl")) as f:
            for line in f:
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return [r for r in records if isinstance(r, dict) and isinstance(r.get("step"), int)]


def run(trial_args, folder, log_path, eval_path, eval_samples=10000, retries=3, force_first=False, driver_env=None,
        cwd=None):  # fmt: skip
    """Train one trial to its end, evaluate it, and return its result (a JSON-able dict).

    ``trial_args`` is its ``tf1gan train`` command line without ``--resume`` /
    ``--force``; ``eval_samples`` 0 skips ``tf1gan evaluate``. A train process
    stopped or killed is resumed up to ``retries`` times. The processes run in
    ``cwd`` (the sweep's own folder, so relative paths in settings mean the
    same) where this machine has it.
    """
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    env = _child_env(driver_env)
    # cpu_s: the train processes' CPU time, which other work on the machine disturbs far less than wall time
    result = dict(status="done", error=None, exit_code=0, attempts=0, wall_s=0.0, cpu_s=0.0, peak_rss_mb=0.0,
                  figures=None)  # fmt: skip
    while True:
        _wait_for_lock(folder)
        t0 = time.time()
        code, rss, cpu, output = _run(
            trial_args + _mode(folder, force_first and not result["attempts"]), log_path, env, cwd
        )
        result.update(attempts=result["attempts"] + 1, exit_code=code, peak_rss_mb=max(result["peak_rss_mb"], rss))
        result["wall_s"] += time.time() - t0
        result["cpu_s"] += cpu
        if code == 0:
            break
        if (code < 0 or code in STOPPED) and result["attempts"] <= retries:
            continue
        result.update(status="failed", error=error_line(output, code))
        break
    if result["status"] == "done" and eval_samples:
        # the sweep's own file: an evaluation cut short by a kill left one behind that this one replaces
        args = ["evaluate", "--run", folder, "--n", str(eval_samples), "--json", eval_path, "--force"]
        code, rss, _, output = _run(args, log_path, env, cwd)
        result["eval_peak_rss_mb"] = rss
        if code == 0:
            with open(eval_path) as f:
                result["figures"] = json.load(f)
        else:
            result.update(status="failed", exit_code=code, error="evaluate: " + error_line(output, code))
    result["records"] = read_records(folder)
    return result
