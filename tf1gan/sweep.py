"""``tf1gan sweep``: trials of a grid of settings and seeds, run as Ray tasks, on this machine or a cluster.

Layout of a sweep folder::

    trials/NAME/        an ordinary run folder per trial (tf1gan sample, evaluate, export, env --diff work on it)
    results/NAME.json   what a finished (or failed) trial gave: status, error, wall time, memory, figures
    logs/NAME.log       the output of every train and evaluate process of the trial
    sweep.json          one row per trial, written again as each trial ends
    sweep.md            the same as tables: per trial, and per setting (mean and spread over seeds)
    sweep.png           each setting's figures over training: mean and min-max over seeds
    .lock               held (flock) by the one sweep writing the folder

With no address, Ray starts inside this process, bound to 127.0.0.1, with no
dashboard and no usage statistics: Ray has no authentication, and anyone who
reaches its ports can run code on it. ``--address`` (or ``RAY_ADDRESS``) joins
a cluster instead, which belongs on a private network (docs/sweep.md).
"""

import json
import logging
import os
import shutil
import sys
import time

from tf1gan import signals, sweep_grid, sweep_report, sweep_trial
from tf1gan.errors import RunError, Tf1ganError
from tf1gan.fileio import RunLock, atomic_write
from tf1gan.progress import format_duration

RESULTS, LOGS = "results", "logs"
# Ray needs an object store; the tasks only pass small dicts, and its default (30% of memory) is a lot to reserve.
OBJECT_STORE_BYTES = 100 * 1024**2
# Ray 2.7 draws its components' ports at random and may give one the fixed port of another (ray-project/ray
# #37229: "Ray component metrics_export is trying to use a port number 52365 that is used by other
# components"); a second draw almost always differs.
PORT_CLASH, RAY_START_TRIES = "is trying to use a port number", 3


def usable_cores():
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_workers(threads):
    """Concurrent trials on this machine: its cores over each trial's threads (at least one)."""
    return max(1, usable_cores() // max(threads, 1))


class Inline(object):
    """The part of Ray's API the sweep uses, running each task at once in this process: for where Ray is missing.

    Each trial is still its own ``tf1gan train`` process; they run one at a time.
    """

    def remote(self, **_options):
        return lambda function: _InlineTask(function)

    def wait(self, refs, num_returns=1, timeout=None):
        return refs[:num_returns], refs[num_returns:]

    def get(self, ref):
        return ref()

    def shutdown(self):
        pass


class _InlineTask(object):
    def __init__(self, function):
        self.function = function

    def remote(self, *args):
        result = self.function(*args)
        return lambda: result


def _ray(address, stream):
    """The ``ray`` module, with its usage statistics off; :class:`Inline` where Ray is not installed."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        if address:
            raise Tf1ganError("--address needs Ray: pip install ray==2.7.2 (make install installs it)")
        stream.write("sweep: Ray is not installed (pip install ray==2.7.2): the trials run one at a time\n")
        return None
    return ray


class LocalRay(object):
    """Ray as started by this sweep: the ``ray`` module, whose ``shutdown`` also removes the session folder Ray
    leaves under its temporary root (/tmp/ray, 0.2-0.7 MB a sweep, never cleaned). The trials' own output is in
    the sweep folder's logs/, so nothing of the user's is in it."""

    def __init__(self, ray, session_dir):
        self.ray, self.session_dir = ray, session_dir

    def __getattr__(self, name):
        return getattr(self.ray, name)

    def shutdown(self):
        """Stop Ray, then remove its session folder and the ``session_latest`` link if it names that folder."""
        self.ray.shutdown()
        if not self.session_dir or not os.path.basename(self.session_dir).startswith("session_"):
            return
        shutil.rmtree(self.session_dir, ignore_errors=True)
        latest = os.path.join(os.path.dirname(self.session_dir), "session_latest")
        if os.path.islink(latest) and os.path.realpath(latest) == os.path.realpath(self.session_dir):
            os.remove(latest)


def start_ray(address, workers, cpus_per_trial, stream):
    """Join the cluster at ``address``, or start Ray in this process on 127.0.0.1 with ``workers`` trial slots.

    Raises :class:`Tf1ganError` (one line) when the cluster cannot be reached or Ray cannot start.
    """
    ray = _ray(address, stream)
    if ray is None:
        return Inline()
    quiet = dict(log_to_driver=False, logging_level=logging.WARNING)
    if address:
        stream.write("sweep: joining the Ray cluster at %s\n" % address)
        stream.flush()
        _init(ray, "cannot join the Ray cluster at %s" % address, address=address, **quiet)
        return ray
    context = _init(
        ray,
        "cannot start Ray on this machine",
        num_cpus=workers * cpus_per_trial,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        object_store_memory=OBJECT_STORE_BYTES,
        **quiet,
    )
    return LocalRay(ray, (getattr(context, "address_info", None) or {}).get("session_dir"))


def _init(ray, failure, **kwargs):
    """``ray.init(**kwargs)``, tried again when Ray drew one port for two of its components, then SIGINT and
    SIGTERM handed back to tf1gan; ``failure`` begins the one-line error of any other failure."""
    for attempt in range(1, RAY_START_TRIES + 1):
        try:
            context = ray.init(**kwargs)
            break
        except Exception as e:  # ray.init raises bare ConnectionError, ValueError, RuntimeError, ...
            message = " ".join(str(e).split()) or type(e).__name__
            if isinstance(e, ConnectionError):  # Ray 2.7 raises it bare, after about two minutes of trying
                message += " (no Ray head answered: is `ray start --head` running there, on that port?)"
            if PORT_CLASH in message and attempt < RAY_START_TRIES:
                continue
            raise Tf1ganError("%s: %s" % (failure, message))
    # Ray's driver puts a handler on SIGTERM that aborts the whole process with a stack dump (exit 134), so a
    # stopped sweep would not say so; taking it back makes SIGTERM stop a sweep as SIGINT does.
    signals.install()
    return context


def _paths(out, trial):
    return (
        os.path.join(out, RESULTS, trial.name + ".json"),
        os.path.join(out, LOGS, trial.name + ".log"),
        os.path.join(out, RESULTS, trial.name + ".evaluate.json"),
    )


def _finished(out, trial, eval_samples):
    """The saved result of ``trial`` if it finished with these settings (so it is not run again), else None."""
    try:
        with open(_paths(out, trial)[0]) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        return None
    same = saved.get("settings") == [list(kv) for kv in trial.settings] and saved.get("eval_samples") == eval_samples
    return saved if same and saved.get("status") == "done" else None


def _trial_steps(trial):
    """(steps trained, steps in all) of ``trial`` from its run folder; the total is None while its length is
    unknown (a sweep without ``--steps`` whose trial has not written its config yet)."""
    total = dict(trial.settings).get("steps")
    try:
        if total is None:  # read here rather than by tf1gan.runs, which would load TensorFlow into the sweep
            with open(os.path.join(trial.folder, "config.json")) as f:
                total = json.load(f)["config"]["steps"]
        with open(os.path.join(trial.folder, "metrics.jsonl"), "rb") as f:
            f.seek(max(os.fstat(f.fileno()).st_size - 4096, 0))
            tail = f.read().decode("utf-8", "replace").splitlines()
    except (OSError, ValueError, KeyError, TypeError):
        return 0, total and int(total)
    for line in reversed(tail):
        try:
            return int(json.loads(line)["step"]), total and int(total)
        except (ValueError, KeyError, TypeError):
            continue
    return 0, total and int(total)


class Progress(object):
    """The sweep's progress line: trials done, running, failed and left, and an ETA from the steps trained.

    The ETA divides the steps the unfinished trials still have by the steps trained per second since the sweep
    started (its evaluations included), so trials of different lengths, resumed trials and a machine shared
    with other work all count as they are.
    """

    def __init__(self, total, todo, stream):
        self.total, self.todo, self.stream = total, list(todo), stream
        self.t0 = time.time()
        self.done, self.failed, self.running, self.ended = total - len(self.todo), 0, 0, set()
        self.start = {t.name: 0 if t.force else _trial_steps(t)[0] for t in self.todo}

    def end(self, trial, ok):
        """Count ``trial`` as done (``ok``) or failed."""
        self.ended.add(trial.name)
        self.done, self.failed = self.done + bool(ok), self.failed + (not ok)

    def eta(self):
        """Seconds left by the steps trained so far, None before any step was trained."""
        now = {t.name: _trial_steps(t) for t in self.todo}
        known = [total for _, total in now.values() if total]
        trained = sum(max(now[name][0] - start, 0) for name, start in self.start.items())
        elapsed = time.time() - self.t0
        if not trained or not known or elapsed <= 0:
            return None
        typical = sum(known) / float(len(known))
        left = sum(max((total or typical) - step, 0) for name, (step, total) in now.items() if name not in self.ended)
        return left * elapsed / trained

    def line(self):
        """``sweep: 3 done, 2 running, 1 failed, 4 left, ETA 5:20 (12:04)`` (ETA once steps were trained)."""
        left = self.total - self.done - self.failed - self.running
        text = "sweep: %d done, %d running, %d failed, %d left" % (self.done, self.running, self.failed, left)
        eta = self.eta() if left + self.running else None
        if eta is not None:
            text += ", ETA %s" % format_duration(eta)
        return text + " (%s)" % format_duration(time.time() - self.t0)

    def show(self):
        """Print the line."""
        self.stream.write(self.line() + "\n")
        self.stream.flush()


def run(trials, out, workers=None, threads=1, address=None, eval_samples=10000, retries=3, stream=None):
    """Run ``trials`` (``sweep_grid.Trial``) into sweep folder ``out``; return every trial's result, in order.

    Finished trials are skipped, unfinished ones resume from their last
    checkpoint. ``workers`` trials run at once (default: this machine's cores
    over ``threads``; on a cluster, as many as its CPUs take). Raises
    :class:`RunError` when another sweep writes ``out``.
    """
    stream = stream if stream is not None else sys.stderr
    out = os.path.abspath(out)
    address = address or os.environ.get("RAY_ADDRESS")
    workers = workers or (None if address else default_workers(threads))
    if address:
        _ray(address, stream)  # refused before anything is written where Ray is missing
    try:
        for sub in (RESULTS, LOGS):
            os.makedirs(os.path.join(out, sub), exist_ok=True)
    except OSError as e:
        raise RunError("%s: cannot create the sweep folder (%s)" % (out, e.strerror or e))
    with RunLock(out):
        results = {t.name: _finished(out, t, eval_samples) for t in trials}
        todo = [t for t in trials if results[t.name] is None]
        progress = Progress(len(trials), todo, stream)
        if progress.done:
            stream.write("sweep: %d of %d trials already finished in %s\n" % (progress.done, len(trials), out))
        if todo:
            ray = start_ray(address, workers or 1, max(threads, 1), stream)
            if isinstance(ray, Inline):
                workers = 1
            try:
                _schedule(ray, todo, out, results, progress, workers, threads, eval_samples, retries, trials)
            finally:
                ray.shutdown()
        ordered = [results[t.name] for t in trials]
        sweep_report.write(out, ordered)
        progress.show()
        return ordered


def _schedule(ray, todo, out, results, progress, workers, threads, eval_samples, retries, trials):
    """Keep ``workers`` trials in flight (all, on a cluster without --workers) until every one has a result."""
    task = ray.remote(num_cpus=max(threads, 1), max_retries=retries)(sweep_trial.run)
    pending, queue = {}, list(todo)
    while queue or pending:
        while queue and (workers is None or len(pending) < workers):
            trial = queue.pop(0)
            _, log_path, eval_path = _paths(out, trial)
            ref = task.remote(
                sweep_grid.argv(trial),
                trial.folder,
                log_path,
                eval_path,
                eval_samples,
                retries,
                trial.force,
                {k: os.environ.get(k) for k in sweep_trial.RAY_SETS},
                os.getcwd(),
            )
            pending[ref] = trial
        progress.running = len(pending)
        progress.show()
        ready, _ = ray.wait(list(pending), num_returns=1, timeout=60)
        for ref in ready:
            trial = pending.pop(ref)
            try:
                result = ray.get(ref)
            except Exception as e:  # the task itself failed (its worker died too often, or a bug): say so
                result = dict(status="failed", error="Ray: %s" % str(e).strip().splitlines()[-1], exit_code=None)
            result = _record(out, trial, result, eval_samples)
            results[trial.name] = result
            progress.end(trial, result["status"] == "done")
            if result["status"] != "done":
                progress.stream.write("sweep: %s failed: %s\n" % (trial.name, result["error"]))
            sweep_report.write(out, [results[t.name] for t in trials if results[t.name] is not None])
        progress.running = len(pending)


def _record(out, trial, result, eval_samples):
    """The trial's result with its settings, saved as results/NAME.json (what a re-run reads)."""
    result = dict(
        result,
        name=trial.name,
        setting=trial.setting,
        seed=trial.seed,
        settings=[list(kv) for kv in trial.settings],
        folder=trial.folder,
        eval_samples=eval_samples,
    )
    atomic_write(_paths(out, trial)[0], json.dumps(result, sort_keys=True) + "\n")
    return result
